// `gridcnn evaluate syllables` and `gridcnn classify-syllables`. Evaluation takes the clips of the held-out voices,
// adds white noise at each SNR (several seeded draws per clip), recomputes the features (onset detection included)
// and scores the TDNN and the nearest-centroid baseline on exactly the same tokens.
import Foundation
import GridPlot
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain

/// A trained syllable model: TDNN, its spec and the baseline's centroids.
struct SyllableClassifier {
    let spec: SyllableSpec
    let model: TDNN
    /// The TDNN compiled for inference (sigmoids in the convolutions' epilogues, one GEMM over all tokens).
    let plan: InferencePlan
    let centroid: NearestCentroid
    let features: SpeechFeatures

    init(checkpoint path: String) throws {
        let trained = try TrainedModel<SyllableSpec>(checkpoint: path, task: "syllables")
        guard let tdnn = trained.model as? TDNN else { throw TaskError("\(path): a syllable checkpoint without a TDNN") }
        let ck = trained.checkpoint
        spec = trained.spec; model = tdnn; plan = InferencePlan(tdnn)
        guard let c = ck.extras["centroids"] else { throw TaskError("\(path): checkpoint has no nearest-centroid baseline") }
        centroid = NearestCentroid(centroids: c)
        features = SpeechFeatures(spec.features)
    }

    /// Normalised tokens [N, bands, frames] of clips at the model's sample rate.
    func tokens(_ clips: [[Float]]) -> Tensor {
        Tensor.stack(clips.map { spec.normalization.apply(features.token($0).features) }, axis: 0)
    }

    /// Class probabilities (softmax of the summed TDNN outputs), [N][3].
    func probabilities(_ tokens: Tensor) -> [[Double]] {
        let logits = plan(tokens)
        let c = logits.shape[1], v = logits.contiguous().scalars
        return (0..<logits.shape[0]).map { i in
            let row = (0..<c).map { Double(v[i * c + $0]) }
            let m = row.max()!, e = row.map { exp($0 - m) }, s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    static func argmax(_ logits: Tensor) -> [Int] {
        let c = logits.shape[1], v = logits.contiguous().scalars
        return (0..<logits.shape[0]).map { i in (0..<c).max { v[i * c + $0] < v[i * c + $1] }! }
    }
}

/// What `gridcnn evaluate syllables` needs: a syllable checkpoint, the corpus and the noise conditions.
public struct SyllableEvaluateRequest {
    /// The syllable checkpoint (HDF5).
    public var model: String
    /// The corpus directory: DIR/<voice>/<syllable>[-anything].wav, the class being the file name's first letter.
    public var data: String
    /// nil = the checkpoint's test voices.
    public var voices: [String]?
    /// SNRs in dB; nil entries = clean.
    public var snrs: [Double?] = [nil, 20, 10, 5, 0]
    /// Noise draws per noisy condition (default 5); the clean condition is scored once.
    public var repeats = 5
    /// Seed of the white noise.
    public var seed: UInt64 = 0
    /// No notes or contract messages on stderr. Default false.
    public var quiet = false
    /// Accuracy against SNR as a figure (.png, .svg or .pdf).
    public var figure: String?
    /// A request scoring the checkpoint's test voices clean and at 20, 10, 5 and 0 dB SNR, 5 draws each.
    public init(model: String, data: String) { self.model = model; self.data = data }
}

/// Accuracies at one noise condition.
public struct SNRScore: Codable {
    /// "clean" or "<snr> dB".
    public var condition: String
    /// Signal-to-noise ratio of the added white noise (dB); nil for clean.
    public var snrDB: Double?
    /// Tokens scored (clips times draws).
    public var tokens: Int
    /// Fraction classified right by the TDNN.
    public var tdnnAccuracy: Double
    /// Fraction classified right by the nearest-centroid baseline (stored in the checkpoint).
    public var nearestCentroidAccuracy: Double
    /// confusion[true][predicted] of the TDNN.
    public var tdnnConfusion: [[Int]]
}

/// The scores of `SyllableEvaluating.run` (printed as a table or, with `--json`, under the property names).
public struct SyllableEvaluation: Codable {
    /// The checkpoint evaluated.
    public var model: String
    /// The voices scored.
    public var voices: [String]
    /// Clips of those voices.
    public var clips: Int
    /// Noise draws per noisy condition.
    public var repeats: Int
    /// Seed of the noise.
    public var seed: UInt64
    /// Class names in confusion-matrix order.
    public var consonants: [String]
    /// One entry per condition, in the order asked for.
    public var scores: [SNRScore]
    /// The data contract: what was resampled, and how far the clean clips' features are from training.
    public var contract: ContractCheck?
}

/// `gridcnn evaluate syllables`: the TDNN and the nearest-centroid baseline on held-out voices, clean and in white noise.
public enum SyllableEvaluating {
    /// Loads the corpus at the model's sample rate (resampling is reported as an adaptation), scores the chosen voices at
    /// each condition, and draws the accuracy-against-SNR figure when asked. Warns on stderr when a voice was used in
    /// training; prints notes and contract messages unless quiet.
    /// - Throws: `TaskError` for a checkpoint that is not a syllable model, an unreadable corpus, no clips of the chosen
    /// voices, repeats below 1, or an unwritable figure.
    public static func run(_ r: SyllableEvaluateRequest) throws -> SyllableEvaluation {
        let cls = try SyllableClassifier(checkpoint: r.model)
        let note: (String) -> Void = { if !r.quiet { writeStderr("syllables: \($0)\n") } }
        var check = ContractCheck()
        let all = try SyllableCorpus.load(r.data, rate: cls.spec.features.sampleRate) { line in
            if line.contains("resampled") { check.adaptations.append(line) } else { note(line) }
        }
        let voices = try r.voices.map { try SyllableCorpus.select($0, from: all.map(\.voice)) } ?? cls.spec.testVoices
        let clips = all.filter { voices.contains($0.voice) }
        guard !clips.isEmpty else {
            throw TaskError("\(r.data): no clips of the evaluation voices \(voices.joined(separator: ", ")) (choose some with --voices)")
        }
        guard r.repeats >= 1 else { throw TaskError("--repeats must be at least 1") }
        let overlap = voices.filter { cls.spec.trainVoices.contains($0) }
        if !overlap.isEmpty { note("warning: voices \(overlap.joined(separator: ", ")) were used in training") }
        SyllableContract.compare(&check, tokens: clips.map { cls.features.token($0.samples).features }, spec: cls.spec)
        if !r.quiet { check.printAdaptations("evaluate syllables"); check.printWarnings("evaluate syllables") }
        var scores = [SNRScore]()
        for snr in r.snrs {
            let draws = snr == nil ? 1 : r.repeats
            var rng = SeededGenerator(seed: r.seed &+ UInt64(bitPattern: Int64((snr ?? 1000) * 10)))
            var waves = [[Float]](), labels = [Int]()
            for _ in 0..<draws {
                for c in clips {
                    waves.append(snr.map { AudioLoader.addWhiteNoise(c.samples, snrDB: $0, rng: &rng) } ?? c.samples)
                    labels.append(c.label)
                }
            }
            let tokens = cls.tokens(waves)
            let probs = cls.probabilities(tokens)
            var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
            var tdnnRight = 0, centroidRight = 0
            for i in 0..<labels.count {
                let p = (0..<3).max { probs[i][$0] < probs[i][$1] }!
                confusion[labels[i]][p] += 1
                if p == labels[i] { tdnnRight += 1 }
                let tok = tokens.sliced(axis: 0, i..<(i + 1)).contiguous().reshaped([tokens.shape[1] * tokens.shape[2]])
                if cls.centroid.predict(tok) == labels[i] { centroidRight += 1 }
            }
            scores.append(SNRScore(condition: snr.map { String(format: "%g dB", $0) } ?? "clean", snrDB: snr, tokens: labels.count,
                                   tdnnAccuracy: Double(tdnnRight) / Double(labels.count),
                                   nearestCentroidAccuracy: Double(centroidRight) / Double(labels.count), tdnnConfusion: confusion))
        }
        let e = SyllableEvaluation(model: r.model, voices: voices, clips: clips.count, repeats: r.repeats, seed: r.seed,
                                   consonants: cls.spec.consonants, scores: scores, contract: check)
        if let f = r.figure { try figure(e, to: f) }
        return e
    }

    /// Accuracy of the TDNN and of nearest centroid against SNR (clean as dashed lines), with chance at 1/3.
    static func figure(_ e: SyllableEvaluation, to path: String) throws {
        let noisy = e.scores.filter { $0.snrDB != nil }.sorted { $0.snrDB! < $1.snrDB! }
        let tdnn = Palette.line(0), centroid = Palette.line(1)
        var series = [Series]()
        if !noisy.isEmpty {
            series.append(Series("TDNN", x: noisy.map { $0.snrDB! }, y: noisy.map { 100 * $0.tdnnAccuracy }, colour: tdnn, markers: true))
            series.append(Series("nearest centroid", x: noisy.map { $0.snrDB! }, y: noisy.map { 100 * $0.nearestCentroidAccuracy }, colour: centroid, markers: true))
        }
        let xs = noisy.isEmpty ? [0.0, 1.0] : [noisy.first!.snrDB!, noisy.last!.snrDB!]
        if let clean = e.scores.first(where: { $0.snrDB == nil }) {
            series.append(Series("TDNN, clean", x: xs, y: [100 * clean.tdnnAccuracy, 100 * clean.tdnnAccuracy], colour: tdnn, dashed: true, lineWidth: 1.2))
            series.append(Series("nearest centroid, clean", x: xs, y: [100 * clean.nearestCentroidAccuracy, 100 * clean.nearestCentroidAccuracy],
                                 colour: centroid, dashed: true, lineWidth: 1.2))
        }
        series.append(Series("chance", x: xs, y: [100.0 / 3, 100.0 / 3], colour: RGB(0.55, 0.55, 0.55), dashed: true, lineWidth: 1))
        var plot = LinePanel(title: "\(e.consonants.joined(separator: " / ")) on \(e.voices.count) held-out voice\(e.voices.count == 1 ? "" : "s"), \(e.clips) clips",
                             xTitle: "signal-to-noise ratio (dB, white noise)", yTitle: "accuracy (%)", series: series)
        plot.yRange = 0...100
        try Figure(panels: [plot], columns: 1).write(to: path)
    }

    /// The evaluation as the text table the CLI prints.
    public static func table(_ e: SyllableEvaluation) -> String {
        var lines = ["b/d/g on \(e.clips) clips of \(e.voices.count) held-out voice(s), \(e.repeats) noise draw(s) per clip",
                     "condition   tokens   TDNN acc   nearest-centroid acc"]
        for s in e.scores {
            lines.append(s.condition.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: "%8d   %7.1f%%   %7.1f%%", s.tokens, 100 * s.tdnnAccuracy, 100 * s.nearestCentroidAccuracy))
        }
        if let c = e.contract {
            if let r = c.meanImageCorrelation { lines.append(String(format: "clean clips' mean token vs training's: correlation %.4f; largest band mean shift %.2f", r, c.meanShift.values.max() ?? 0)) }
            lines += c.adaptations.map { "adapted: \($0)" } + c.skipped.map { "not checked: \($0)" } + c.warnings.map { "warning: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// The class of one clip, as `gridcnn classify-syllables` prints it.
public struct SyllablePrediction: Codable {
    /// The WAV file.
    public var file: String
    /// The most probable class.
    public var consonant: String
    /// Probability of each class (softmax of the TDNN output).
    public var probabilities: [String: Double]
    /// Time of the detected voicing onset in the clip (s).
    public var onsetSeconds: Double
}

/// `gridcnn classify-syllables`: the class of each clip.
public enum SyllableClassifying {
    /// Loads each WAV (resampled to the model's rate; multichannel files averaged with `mixDown`, else refused), makes its
    /// token and returns the class probabilities, in input order. Prints resampling notes unless quiet.
    /// - Throws: `TaskError` for a checkpoint that is not a syllable model or an unreadable WAV file.
    public static func run(model: String, inputs: [String], mixDown: Bool = false, quiet: Bool = false) throws -> [SyllablePrediction] {
        let cls = try SyllableClassifier(checkpoint: model)
        let rate = cls.spec.features.sampleRate
        return try inputs.map { path in
            let x = try AudioLoader.load(path, rate: rate, mixDown: mixDown, note: { if !quiet { writeStderr("classify-syllables: \($0)\n") } })
            let (tok, onset) = cls.features.token(x)
            let p = cls.probabilities(cls.spec.normalization.apply(tok).unsqueezed(0))[0]
            let best = (0..<p.count).max { p[$0] < p[$1] }!
            return SyllablePrediction(file: path, consonant: cls.spec.consonants[best],
                                      probabilities: Dictionary(uniqueKeysWithValues: zip(cls.spec.consonants, p)),
                                      onsetSeconds: Double(onset * cls.spec.features.hopLength) / Double(rate))
        }
    }
}
