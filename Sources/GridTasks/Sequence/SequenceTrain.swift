// `gridcnn train sequence`: a WaveNet learns next-sample prediction. Audio: mu-law codes, softmax over 256 levels,
// cross-entropy; the last --validation-files file(s) are held out and scored in bits/sample each epoch. Series
// (NetCDF variable): a WaveNet with one input and one linear output predicts the standardised increment; the final
// test fraction is never seen, the validation fraction before it picks the epoch. The baselines (mu-law histogram,
// order-16 LPC) are fitted on the same training data and stored with the model.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain

/// What `gridcnn train sequence` needs: the data (WAV files or one NetCDF series), the WaveNet's size and the training
/// run.
public struct SequenceTrainRequest {
    /// WAV files or directories of them (audio), or one FILE.nc:VAR (series).
    public var inputs: [String]
    /// Series: the variable, when not given in the input spec.
    public var variable: String?
    /// Audio: sample rate (Hz) every file is resampled to (default 16000).
    public var sampleRate = 16000
    /// Audio: average the channels of multichannel files (default false: refused).
    public var mixDown = false
    /// Training window length in samples or steps (default 4000; at least 2).
    public var window = 4000
    /// WaveNet residual channels (default 32).
    public var residualChannels = 32
    /// WaveNet skip channels (default 64).
    public var skipChannels = 64
    /// Dilated layers per stack, dilations 1, 2, 4, ... (default 9).
    public var layers = 9
    /// Stacks of dilated layers (default 1).
    public var stacks = 1
    /// Audio: files held out for validation (default 1; none when there is only one file).
    public var validationFiles = 1
    /// Series: fraction of steps at the end held out for testing (default 0.2).
    public var testFraction = 0.2
    /// Series: fraction of steps before the test part used for validation (default 0.1).
    public var validationFraction = 0.1
    /// Order of the linear-prediction baseline (default 16).
    public var lpcOrder = 16
    /// Audio: random level changes of the training windows (nil: none).
    public var augmentation: AudioAugmentation?
    /// Audio: more files scored after every epoch and reported (`monitorCurve`); they never pick the epoch.
    public var monitor: [String] = []
    /// Output, training options (6 epochs of 40 steps, batch 4, lr 3e-3, gradients clipped at norm 1), resume, interrupt.
    public var run: TrainingRun
    /// A request training a 9-layer WaveNet into checkpoint `output` for 6 epochs of 40 steps, batch 4, learning rate 3e-3,
    /// gradients clipped at norm 1.
    public init(inputs: [String], output: String) {
        self.inputs = inputs
        var t = TrainingOptions()
        t.epochs = 6; t.stepsPerEpoch = 40; t.batchSize = 4; t.learningRate = 3e-3; t.clipNorm = 1
        run = TrainingRun(output: output, options: t)
    }
}

/// What `SequenceTraining.run` did (printed with `--json` under the property names).
public struct SequenceTrainReport: Codable {
    /// Audio or series.
    public var mode: SequenceMode
    /// Training samples or steps.
    public var trainSamples: Int
    /// Validation samples or steps.
    public var validationSamples: Int
    /// Trainable parameters of the WaveNet.
    public var parameters: Int
    /// Its receptive field (samples or steps).
    public var receptiveField: Int
    /// bits/sample (audio) or RMSE in the variable's units (series), on the validation data.
    public var metric: String
    /// The kept epoch's validation score in `metric` units.
    public var bestValidation: Double?
    /// The baselines' validation scores in the same units.
    public var validationBaselines: [String: Double]
    /// Audio with --monitor: [optimiser steps (0 without --steps-per-epoch), WaveNet bits/sample on the monitored
    /// files] after each epoch.
    public var monitorCurve: [[Double]]?
    /// Audio with --monitor: the baselines' bits/sample on the monitored files.
    public var monitorBaselines: [String: Double]?
    /// Epochs, steps, loss and validation history, the kept epoch and the checkpoint path.
    public var training: TrainingSummary
}

/// `gridcnn train sequence`: a WaveNet for audio or a 1-D time series.
public enum SequenceTraining {
    /// Loads and splits the data (audio: whole files held out; series: the last steps), fits the baselines, trains with
    /// cross-entropy (audio) or MSE on increments (series), keeps the best validation epoch and writes the checkpoint
    /// atomically. Progress on stderr unless quiet.
    /// - Throws: `TaskError` for no inputs, out-of-range sizes, unreadable or unusable inputs; the training job's errors;
    /// `TrainingInterrupted` after Ctrl-C.
    public static func run(_ r: SequenceTrainRequest) throws -> SequenceTrainReport {
        let job = try TrainingJob(task: "sequence", run: r.run)
        guard !r.inputs.isEmpty else { throw TaskError("no --input given (WAV files or directories, or FILE.nc:VAR)") }
        guard r.window >= 2, r.layers >= 1, r.stacks >= 1, r.residualChannels >= 1, r.skipChannels >= 1, r.lpcOrder >= 1 else {
            throw TaskError("--window must be at least 2 and --layers, --stacks, --residual, --skip, --lpc-order at least 1")
        }
        let note: (String) -> Void = { if !r.run.quiet { writeStderr("sequence: \($0)\n") } }
        let series = SequenceInputs.isSeries(r.inputs)
        var config = WaveNetConfig(classes: series ? 1 : 256, residualChannels: r.residualChannels, skipChannels: r.skipChannels,
                                   layers: r.layers, stacks: r.stacks)
        config.kernelSize = 2
        let model = WaveNet(config, seed: r.run.options.seed)
        var spec: SequenceSpec
        let data: SequenceWindows
        let validate: () -> Double
        var baselines = [String: Double]()
        var trainCount = 0, valCount = 0
        var monitorCurve: [[Double]]?, monitorBaselines: [String: Double]?
        if series {
            guard r.inputs.count == 1 else { throw TaskError("a time series is one NetCDF variable: give one --input FILE.nc:VAR") }
            let s = try SequenceInputs.loadSeries(r.inputs[0], variable: r.variable)
            let n = s.values.count
            let testStart = n - Int(Double(n) * r.testFraction), valStart = testStart - Int(Double(n) * r.validationFraction)
            guard r.testFraction > 0, r.validationFraction > 0, valStart > r.window + 1, testStart - valStart > 1 else {
                throw TaskError("\(s.path): \(n) values are too few for the window \(r.window) with test fraction \(r.testFraction) and validation fraction \(r.validationFraction)")
            }
            let norm = Standardization.fit(Tensor(shape: [valStart], scalars: Array(s.values[0..<valStart])))
            let z = s.values.map { ($0 - norm.mean) / norm.std }
            let train = Array(z[0..<valStart])
            let steps = zip(train.dropFirst(), train).map { Double($0 - $1) }
            let stepScale = Float(max((steps.reduce(0) { $0 + $1 * $1 } / Double(max(steps.count, 1))).squareRoot(), 1e-6))
            let lpc = LinearPredictor.fit([train], order: r.lpcOrder)
            spec = SequenceSpec(mode: .series, window: r.window, receptiveField: config.receptiveField, seriesPath: s.path, variable: s.variable,
                                units: s.units, norm: norm, stepScale: stepScale, trainRange: [0, valStart], validationRange: [valStart, testStart],
                                testRange: [testStart, n], lpc: lpc)
            data = try SequenceWindows(sequences: [train], window: r.window, classes: 0, stepScale: stepScale)
            let specCopy = spec
            let scores = SeriesScoring.scores(model: nil, z: z, range: valStart..<testStart, spec: specCopy)
            baselines = ["persistence": scores["persistence"]!, "ar\(r.lpcOrder)": scores["lpc"]!]
            validate = { SeriesScoring.scores(model: model, z: z, range: valStart..<testStart, spec: specCopy)["wavenet"]! }
            trainCount = valStart; valCount = testStart - valStart
            note("\(s.path) '\(s.variable)': \(n) values; training [0, \(valStart)), validation [\(valStart), \(testStart)), test [\(testStart), \(n)) held out")
            note(String(format: "validation RMSE: persistence %.4g, AR(%d) %.4g %@", baselines["persistence"]!, r.lpcOrder, baselines["ar\(r.lpcOrder)"]!, s.units ?? ""))
        } else {
            let files = try SequenceInputs.loadAudioSamples(r.inputs, rate: r.sampleRate, mu: 255, mixDown: r.mixDown, note: note)
            let nVal = files.count > 1 ? min(max(r.validationFiles, 0), files.count - 1) : 0
            let train = Array(files.prefix(files.count - nVal)), val = Array(files.suffix(nVal))
            var hist = CodeHistogram(classes: 256)
            for f in train { hist.add(f.codes) }
            let lpc = LinearPredictor.fit(train.map { $0.codes.map { MuLaw.decode($0) } }, order: r.lpcOrder)
            spec = SequenceSpec(mode: .audio, window: r.window, receptiveField: config.receptiveField, sampleRate: r.sampleRate, mu: 255,
                                trainFiles: train.map(\.path), validationFiles: val.map(\.path), histogram: hist, lpc: lpc)
            spec.augmentation = r.augmentation
            data = try SequenceWindows(sequences: train.map { r.augmentation == nil ? $0.codes.map(Float.init) : $0.samples }, window: r.window,
                                       classes: 256, augmentation: r.augmentation)
            trainCount = train.reduce(0) { $0 + $1.codes.count }; valCount = val.reduce(0) { $0 + $1.codes.count }
            let scoreSet = val.isEmpty ? train : val
            baselines = AudioScoring.baselines(scoreSet.map(\.codes), spec: spec)
            let codes = scoreSet.map(\.codes)
            let watched = try SequenceInputs.loadAudio(r.monitor, rate: r.sampleRate, mu: 255, mixDown: r.mixDown, note: note).map(\.codes)
            if !watched.isEmpty { monitorBaselines = AudioScoring.baselines(watched, spec: spec); monitorCurve = [] }
            let stepsPerEpoch = r.run.options.stepsPerEpoch ?? 0
            validate = {
                if !watched.isEmpty {
                    let bits = AudioScoring.wavenetBits(model, watched)
                    monitorCurve!.append([Double((monitorCurve!.count + 1) * stepsPerEpoch), bits])
                    note(String(format: "monitored files: WaveNet %.3f bits/sample", bits))
                }
                return AudioScoring.wavenetBits(model, codes)
            }
            note(String(format: "%d training file(s), %.1f s; %d validation file(s), %.1f s%@", train.count, Double(trainCount) / Double(r.sampleRate),
                        val.count, Double(valCount) / Double(r.sampleRate), val.isEmpty ? " (validating on the training audio)" : ""))
            note(String(format: "validation bits/sample: histogram %.3f, LPC-%d %.3f (adaptive scale %.3f)", baselines["histogram"]!, r.lpcOrder,
                        baselines["lpc\(r.lpcOrder)"]!, baselines["lpc\(r.lpcOrder)_adaptive"]!))
        }
        note("WaveNet: \(model.parameterCount) parameters, receptive field \(config.receptiveField) samples, window \(r.window)")
        let summary = try job.train(model: model, spec: .wavenet(config), taskSpec: spec, data: data, validate: validate) { out, batch in
            if let labels = batch.labels { return Loss.crossEntropy(out, targets: labels) }
            return Loss.mse(out, Variable(batch.target))
        }
        return SequenceTrainReport(mode: spec.mode, trainSamples: trainCount, validationSamples: valCount, parameters: model.parameterCount,
                                   receptiveField: config.receptiveField, metric: series ? "rmse" : "bits_per_sample",
                                   bestValidation: summary.bestValidationScore, validationBaselines: baselines,
                                   monitorCurve: monitorCurve, monitorBaselines: monitorBaselines, training: summary)
    }
}
