// `gridcnn train syllables`: Waibel's TDNN (16 mel bands x 15 frames -> 8 units, window 3 -> 3 units, window 5 ->
// summed over time) learns b/d/g from the clips of the training voices. Tokens are shifted by a frame around the
// detected onset and half of them get white noise (random SNR 0-30 dB) as augmentation; the epoch with the lowest
// cross-entropy on the validation voices is kept, with the feature normalisation and the nearest-centroid
// baseline's class means (fitted on the same token distribution).
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain

/// What `gridcnn train syllables` needs: the corpus, which voices to hold out, augmentation and the TDNN's size.
public struct SyllableTrainRequest {
    /// The corpus directory: DIR/<voice>/<syllable>[-anything].wav (b, d, g), brought to 16 kHz mono on loading.
    public var data: String
    /// Voices held out for testing; nil: every 4th voice in name order.
    public var testVoices: [String]?
    /// Voices held out for validation; nil: every 6th of the remaining voices.
    public var validationVoices: [String]?
    /// Onset shifts (frames) each training token is also cut at (default -1, 0, 1).
    public var shifts = [-1, 0, 1]
    /// Fraction of training tokens given white noise at a random SNR in [0, 30] dB (default 0.5).
    public var noiseFraction = 0.5
    /// Channels of the TDNN's hidden layer (default 8).
    public var hidden = 8
    /// Output, training options (150 epochs, batch 16, lr 0.01), resume, interrupt.
    public var run: TrainingRun
    /// A request training into checkpoint `output` for 150 epochs of batch 16 at learning rate 0.01.
    public init(data: String, output: String) {
        self.data = data
        var t = TrainingOptions()
        t.epochs = 150; t.batchSize = 16; t.learningRate = 0.01
        run = TrainingRun(output: output, options: t)
    }
}

/// What `SyllableTraining.run` did (printed with `--json` under the property names).
public struct SyllableTrainReport: Codable {
    /// Clips per split ("train", "validation", "test").
    public var clips: [String: Int]
    /// Voices per split.
    public var voices: [String: [String]]
    /// Trainable parameters of the TDNN.
    public var parameters: Int
    /// The kept epoch's validation cross-entropy.
    public var bestValidationLoss: Double?
    /// The kept model's accuracy on the validation voices.
    public var validationAccuracy: Double?
    /// Epochs, steps, loss and validation history, the kept epoch and the checkpoint path.
    public var training: TrainingSummary
}

/// `gridcnn train syllables`: Waibel's time-delay network for b/d/g, with a nearest-centroid baseline.
public enum SyllableTraining {
    /// Splits the corpus by voice, makes tokens (with onset shifts and noise as augmentation), fits the per-band
    /// normalisation and the centroids on the training voices, trains with cross-entropy and keeps the best validation
    /// epoch; writes the checkpoint (spec, centroids, data contract) atomically. Progress on stderr unless quiet.
    /// - Throws: `TaskError` for an unreadable corpus, unknown voices, a split without clips, hidden below 1; the training
    /// job's errors; `TrainingInterrupted` after Ctrl-C.
    public static func run(_ r: SyllableTrainRequest) throws -> SyllableTrainReport {
        let job = try TrainingJob(task: "syllables", run: r.run)
        let seed = r.run.options.seed
        let note: (String) -> Void = { if !r.run.quiet { writeStderr("syllables: \($0)\n") } }
        let fc = SpeechFeatureConfig()
        let clips = try SyllableCorpus.load(r.data, rate: fc.sampleRate, note: note)
        let (trainV, valV, testV) = try SyllableCorpus.split(clips.map(\.voice), test: r.testVoices, validation: r.validationVoices)
        let train = clips.filter { trainV.contains($0.voice) }, val = clips.filter { valV.contains($0.voice) }
        guard r.hidden >= 1 else { throw TaskError("--hidden must be at least 1") }
        let features = SpeechFeatures(fc)
        let cleanTokens = train.map { features.token($0.samples).features }
        let norm = FeatureNormalization.fit(cleanTokens)
        var spec = SyllableSpec(consonants: SyllableCorpus.consonants, features: fc, normalization: norm, trainVoices: trainV,
                                validationVoices: valV, testVoices: testV, data: r.data, shifts: r.shifts, noiseFraction: r.noiseFraction)
        spec.dataContract = SyllableContract.make(tokens: cleanTokens, config: fc)
        let config = TDNNConfig(channels: [fc.bands, r.hidden, 3], kernels: [3, 5], frames: fc.frames)
        let model = TDNN(config, seed: seed)
        let data = SyllableTokens(clips: train, shifts: r.shifts.isEmpty ? [0] : r.shifts, features: features, norm: norm,
                                  noiseFraction: r.noiseFraction)
        // The baseline's class means come from the same token distribution the TDNN trains on (shifts, noise).
        var rng = SeededGenerator(seed: seed &+ 77)
        let draws = (0..<(4 * data.sampleCount)).map { $0 % data.sampleCount }
        let sample = data.batch(draws, rng: &rng)
        let centroid = NearestCentroid(tokens: (0..<draws.count).map { sample.input.sliced(axis: 0, $0..<($0 + 1)).squeezed(0) },
                                       labels: sample.labels!, classes: 3)
        note("\(clips.count) clips, \(trainV.count) training voices (\(train.count) clips), \(valV.count) validation (\(val.count)), \(testV.count) test; TDNN \(model.parameterCount) parameters")
        let valTokens = val.map { norm.apply(features.token($0.samples).features) }
        let labels = val.map(\.label)
        func scoreValidation() -> (loss: Double, accuracy: Double) {
            let logits = model(Variable(Tensor.stack(valTokens, axis: 0)))
            let pred = SyllableClassifier.argmax(logits.value)
            return (Double(Loss.crossEntropy(logits, targets: labels).value.item),
                    Double(zip(pred, labels).filter { $0 == $1 }.count) / Double(val.count))
        }
        let validate: (() -> Double)? = val.isEmpty ? nil : { scoreValidation().loss }
        let summary = try job.train(model: model, spec: .tdnn(config), taskSpec: spec, extras: ["centroids": centroid.centroids],
                                   data: data, validate: validate) { out, batch in Loss.crossEntropy(out, targets: batch.labels!) }
        // The model now holds the best epoch's weights.
        let bestAccuracy = val.isEmpty ? nil : GradMode.withNoGrad { scoreValidation().accuracy }
        return SyllableTrainReport(clips: ["train": train.count, "validation": val.count, "test": clips.count - train.count - val.count],
                                   voices: ["train": trainV, "validation": valV, "test": testV], parameters: model.parameterCount,
                                   bestValidationLoss: summary.bestValidationScore, validationAccuracy: bestAccuracy, training: summary)
    }
}
