// Scoring of sequence models. Audio: mean negative log-likelihood of each next mu-law code in bits/sample, for the
// WaveNet (full causal passes in chunks that overlap by the receptive field, so every position sees its whole
// context) and for the histogram and LPC baselines (fixed and backward-adaptive residual scale), all on the same
// targets (every sample after a file's first).
// Series: RMSE of the one-step forecast in the variable's units against persistence and AR(16).
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain
import GridIO

enum AudioScoring {
    /// Total bits and count of targets of one file under the WaveNet.
    static func wavenetBitsSum(_ model: WaveNet, _ codes: [Int], chunk: Int = 8000) -> (bits: Double, count: Int) {
        let c = model.config.classes, rf = model.config.receptiveField
        var total = 0.0, count = 0
        var s = 0
        while s < codes.count - 1 {
            let e = min(s + chunk, codes.count - 1), ctx = min(s, rf - 1), len = e - s + ctx
            var x = Tensor(zeros: [1, c, len])
            x.withUnsafeMutableBufferPointer { p in for j in 0..<len { p[codes[s - ctx + j] * len + j] = 1 } }
            let logits = GradMode.withNoGrad { model(Variable(x)).value }.contiguous().scalars
            for j in ctx..<len {
                var m = -Float.infinity
                for k in 0..<c { m = max(m, logits[k * len + j]) }
                var z = 0.0
                for k in 0..<c { z += exp(Double(logits[k * len + j] - m)) }
                let target = codes[s - ctx + j + 1]
                total += (log(z) + Double(m) - Double(logits[target * len + j])) / log(2)
                count += 1
            }
            s = e
        }
        return (total, count)
    }

    static func wavenetBits(_ model: WaveNet, _ files: [[Int]]) -> Double {
        let parts = files.map { wavenetBitsSum(model, $0) }
        return parts.reduce(0) { $0 + $1.bits } / Double(max(parts.reduce(0) { $0 + $1.count }, 1))
    }

    /// Histogram and LPC bits/sample over the same targets as the WaveNet (codes[1...] of each file).
    static func baselines(_ files: [[Int]], spec: SequenceSpec) -> [String: Double] {
        var h = 0.0, l = 0.0, la = 0.0, n = 0.0
        for f in files where f.count > 1 {
            let k = Double(f.count - 1)
            h += spec.histogram!.bits(Array(f.dropFirst())) * k
            l += spec.lpc.bits(codes: f, mu: spec.mu ?? 255) * k
            la += spec.lpc.bits(codes: f, mu: spec.mu ?? 255, adaptive: true) * k
            n += k
        }
        let order = spec.lpc.coefficients.count
        return ["histogram": h / max(n, 1), "lpc\(order)": l / max(n, 1), "lpc\(order)_adaptive": la / max(n, 1)]
    }
}

enum SeriesScoring {
    /// The WaveNet's one-step forecasts of z[t] for t in `range` (standardised units).
    static func forecast(_ model: WaveNet, z: [Float], range: Range<Int>, spec: SequenceSpec) -> [Float] {
        let step = spec.stepScale ?? 1
        let from = max(0, range.lowerBound - 1 - (model.config.receptiveField - 1)), to = range.upperBound - 1
        let x = Tensor(shape: [1, 1, to - from], scalars: Array(z[from..<to]))
        let out = GradMode.withNoGrad { model(Variable(x)).value }.contiguous().scalars
        return range.map { t in z[t - 1] + step * out[t - 1 - from] }
    }

    /// RMSE (original units) of forecasts of z[t] for t in `range` from z[..< t]: WaveNet (if given), persistence, LPC.
    static func scores(model: WaveNet?, z: [Float], range: Range<Int>, spec: SequenceSpec) -> [String: Double] {
        let scale = Double(spec.norm!.std)
        var sp = 0.0, sl = 0.0, sw = 0.0
        let wavenet = model.map { forecast($0, z: z, range: range, spec: spec) }
        for (i, t) in range.enumerated() {
            let truth = Double(z[t])
            sp += pow(truth - Double(z[t - 1]), 2)
            sl += pow(truth - spec.lpc.predict(z, at: t), 2)
            if let w = wavenet { sw += pow(truth - Double(w[i]), 2) }
        }
        let n = Double(max(range.count, 1))
        var out = ["persistence": (sp / n).squareRoot() * scale, "lpc": (sl / n).squareRoot() * scale]
        if wavenet != nil { out["wavenet"] = (sw / n).squareRoot() * scale }
        return out
    }
}

/// A trained sequence model with its spec.
struct SequenceModel {
    let spec: SequenceSpec
    let model: WaveNet

    init(checkpoint path: String) throws {
        let trained = try TrainedModel<SequenceSpec>(checkpoint: path, task: "sequence")
        guard let wavenet = trained.model as? WaveNet else { throw TaskError("\(path): a sequence checkpoint without a WaveNet") }
        spec = trained.spec; model = wavenet
    }
}

/// What `gridcnn evaluate sequence` needs: a sequence checkpoint and the held-out data.
public struct SequenceEvaluateRequest {
    /// The sequence checkpoint (HDF5).
    public var model: String
    /// Audio: the held-out WAV files or directories to score (required). Series: FILE.nc[:VAR] to score (empty: the
    /// series the model was trained on).
    public var inputs: [String] = []
    /// Series: the variable to score (nil: the one in `inputs`, else the trained variable).
    public var variable: String?
    /// Audio: average the channels of multichannel WAV files (default false: refused).
    public var mixDown = false
    /// No progress on stderr. Default false.
    public var quiet = false
    /// Series models: the held-out forecast drawn against the series (.png, .svg or .pdf).
    public var figure: String?
    /// A request scoring the checkpoint's own held-out data.
    public init(model: String) { self.model = model }
}

/// Audio: the scores of one held-out file.
public struct SequenceFileScore: Codable {
    /// The WAV file.
    public var file: String
    /// Samples scored (targets after the receptive field).
    public var samples: Int
    /// Negative log-likelihood per sample (bits) of each method.
    public var bitsPerSample: [String: Double]
}

/// The scores of `SequenceEvaluating.run` (printed as a table or, with `--json`, under the property names).
public struct SequenceEvaluation: Codable {
    /// Audio or series.
    public var mode: SequenceMode
    /// The checkpoint evaluated.
    public var model: String
    /// "bits_per_sample" (audio) or "rmse" (series).
    public var metric: String
    /// `metric` per method: "wavenet" and the baselines (audio: "histogram", "lpcN", "lpcN_adaptive"; series:
    /// "persistence", "arN"), N the LPC order.
    public var scores: [String: Double]
    /// Samples or steps scored.
    public var targets: Int
    /// The WaveNet's receptive field.
    public var receptiveField: Int
    /// Audio: sample rate (Hz).
    public var sampleRate: Int?
    /// Audio: per-file scores.
    public var files: [SequenceFileScore]?
    /// Series: the file scored.
    public var series: String?
    /// Series: the variable scored.
    public var variable: String?
    /// Series: its units (those of the RMSE).
    public var units: String?
    /// Series: [start, end) of the steps scored.
    public var testRange: [Int]?
}

/// `gridcnn evaluate sequence`: the WaveNet against its baselines on held-out data.
public enum SequenceEvaluating {
    /// Scores next-sample negative log-likelihood (audio, bits/sample) or one-step forecast RMSE (series, variable units)
    /// of the WaveNet and the baselines; draws the forecast figure for series when asked. Prints progress unless quiet.
    /// - Throws: `TaskError` for a checkpoint that is not a sequence model, no audio given, unreadable inputs (multichannel
    ///   files without `mixDown`, a missing variable), a series shorter than the test segment, or an unwritable figure.
    public static func run(_ r: SequenceEvaluateRequest) throws -> SequenceEvaluation {
        let m = try SequenceModel(checkpoint: r.model)
        let spec = m.spec
        let note: (String) -> Void = { if !r.quiet { writeStderr("sequence: \($0)\n") } }
        switch spec.mode {
        case .audio:
            if r.figure != nil {
                throw TaskError("--figure draws a series model's held-out forecast; for audio models `gridcnn train sequence --figure` draws bits/sample against steps")
            }
            guard !r.inputs.isEmpty else { throw TaskError("give the held-out audio with --input (WAV files or directories)") }
            let files = try SequenceInputs.loadAudio(r.inputs, rate: spec.sampleRate ?? 16000, mu: spec.mu ?? 255, mixDown: r.mixDown, note: note)
            var per = [SequenceFileScore](), totals = [String: Double](), n = 0
            for f in files where f.codes.count > 1 {
                let (bits, count) = AudioScoring.wavenetBitsSum(m.model, f.codes)
                var s = AudioScoring.baselines([f.codes], spec: spec)
                s["wavenet"] = bits / Double(count)
                for (k, v) in s { totals[k, default: 0] += v * Double(count) }
                n += count
                per.append(SequenceFileScore(file: f.path, samples: f.codes.count, bitsPerSample: s))
            }
            guard n > 0 else { throw TaskError("the --input audio has no samples to score") }
            return SequenceEvaluation(mode: .audio, model: r.model, metric: "bits_per_sample", scores: totals.mapValues { $0 / Double(n) },
                                      targets: n, receptiveField: spec.receptiveField, sampleRate: spec.sampleRate, files: per)
        case .series:
            let input = r.inputs.first ?? "\(spec.seriesPath ?? ""):\(spec.variable ?? "")"
            let s = try SequenceInputs.loadSeries(input, variable: r.variable ?? (r.inputs.isEmpty ? spec.variable : nil))
            guard let tr = spec.testRange, tr[1] <= s.values.count else {
                throw TaskError("\(s.path): '\(s.variable)' has \(s.values.count) values; the model's test segment is \(spec.testRange ?? [])")
            }
            let norm = spec.norm!
            let z = s.values.map { ($0 - norm.mean) / norm.std }
            var scores = SeriesScoring.scores(model: m.model, z: z, range: tr[0]..<tr[1], spec: spec)
            scores["ar\(spec.lpc.coefficients.count)"] = scores.removeValue(forKey: "lpc")
            if let f = r.figure { try SequenceFigure.writeSeries(f, model: m.model, z: z, range: tr[0]..<tr[1], spec: spec, variable: s.variable) }
            return SequenceEvaluation(mode: .series, model: r.model, metric: "rmse", scores: scores, targets: tr[1] - tr[0],
                                      receptiveField: spec.receptiveField, series: s.path, variable: s.variable, units: spec.units, testRange: tr)
        }
    }

    /// The evaluation as the text table the CLI prints.
    public static func table(_ e: SequenceEvaluation) -> String {
        let keys = e.scores.keys.sorted { ($0 == "wavenet" ? 0 : 1, $0) < ($1 == "wavenet" ? 0 : 1, $1) }
        var lines = [e.mode == .audio ? "next-sample NLL on \(e.files?.count ?? 0) held-out file(s), \(e.targets) samples (bits/sample)"
                                      : "one-step forecast RMSE of '\(e.variable ?? "")' on [\(e.testRange?[0] ?? 0), \(e.testRange?[1] ?? 0)) (\(e.units ?? "units"))"]
        for k in keys { lines.append(k.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%.4f", e.scores[k]!)) }
        return lines.joined(separator: "\n")
    }
}

/// What `SequenceGenerating.run` did (printed with `--json` under the property names).
public struct GenerationReport: Codable {
    /// The WAV file written.
    public var output: String
    /// Samples generated.
    public var samples: Int
    /// Their sample rate (Hz), the model's.
    public var sampleRate: Int
    /// Seed of the sampling.
    public var seed: UInt64
    /// Softmax temperature of the sampling.
    public var temperature: Float
    /// Wall-clock seconds of the generation.
    public var seconds: Double
    /// Generation speed (samples per wall-clock second).
    public var samplesPerSecond: Double
}

/// `gridcnn generate`: audio from an audio WaveNet, one sample at a time with cached layer queues.
public enum SequenceGenerating {
    /// Samples `seconds` of audio autoregressively with the cached generator and writes 16-bit PCM WAV atomically.
    /// - Throws: `TaskError` for a series model, `seconds` outside (0, 3600], a non-positive temperature, or an existing
    /// output without `overwrite`.
    public static func run(model path: String, seconds: Double, output o: OutputSettings, seed: UInt64,
                           temperature: Float) throws -> GenerationReport {
        let m = try SequenceModel(checkpoint: path)
        guard m.spec.mode == .audio, let rate = m.spec.sampleRate else {
            throw TaskError("\(path): a time-series model; generate needs an audio model (train sequence on WAV files)")
        }
        guard seconds > 0, seconds <= 3600 else { throw TaskError("--seconds must be in (0, 3600], not \(seconds)") }
        guard temperature > 0 else { throw TaskError("--temperature must be positive") }
        if FileManager.default.fileExists(atPath: o.path) && !o.overwrite { throw TaskError("\(o.path): exists; pass --overwrite to replace it") }
        let count = Int(seconds * Double(rate))
        let started = Date()
        let gen = WaveNetGenerator(m.model)
        let progress = ProgressReporter("generate", total: count, quiet: o.quiet)
        var codes = [Int]()
        codes.reserveCapacity(count)
        let block = max(rate / 10, 1)
        var current: Int? = nil
        while codes.count < count {
            let n = min(block, count - codes.count)
            let part = gen.generate(count: n, first: current, temperature: temperature, seed: seed &+ UInt64(codes.count))
            codes += part; current = part.last
            progress.update(codes.count)
        }
        let mu = m.spec.mu ?? 255
        try WAV.write(codes.map { MuLaw.decode($0, mu: mu) }, sampleRate: rate, to: o.path, overwrite: o.overwrite)
        let elapsed = Date().timeIntervalSince(started)
        return GenerationReport(output: o.path, samples: count, sampleRate: rate, seed: seed, temperature: temperature,
                                seconds: elapsed, samplesPerSecond: Double(count) / max(elapsed, 1e-9))
    }
}
