// `gridcnn train downscale`: the perfect-model set-up (coarsen the truth by block averaging and learn to recover it)
// or paired coarse/fine files; seeded patches, masked loss, held-out time steps for validation; the best epoch's
// model is kept in the checkpoint with everything needed to apply it.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain
import GridIO

/// What `gridcnn train downscale` needs: the fine truth (and optionally paired coarse input, statics and predictors),
/// the network and the training run. Used by Examples/train-downscale.
public struct DownscaleTrainRequest {
    /// Fine truth: files, globs or @lists, each FILE or FILE:VAR; all one dataset ordered by time.
    public var truths: [String]
    /// The first (or only) truth spec; setting it replaces `truths` with one spec.
    public var truth: String { get { truths[0] } set { truths = [newValue] } }
    /// The truth variable; nil: the one named in the specs, or the file's only data variable.
    public var variable: String?
    /// Paired coarse input (as `truths`), step for step with the truth; nil or empty: block-average the truth.
    public var coarses: [String] = []
    /// The first paired coarse spec; setting it replaces `coarses`.
    public var coarse: String? { get { coarses.first } set { coarses = newValue.map { [$0] } ?? [] } }
    /// Static fields on the fine grid (FILE or FILE:VAR each, e.g. orography, land fraction), each an input channel.
    public var statics: [String] = []
    /// Coarse predictor variables (FILE_OR_GLOB:VAR each) on the coarse grid, matched to the truth's steps by date.
    public var predictors: [String] = []
    /// Refinement factor (default 4); must divide the truth's rows and columns.
    public var factor: Int = 4
    /// The network (default `.srcnn`).
    public var model: DownscaleModelKind = .srcnn
    /// Network width: SRCNN's first layer filters (default 64) or the UNet's base width (default 16).
    public var width: Int?
    /// UNet depth (default 2); ignored by SRCNN.
    public var depth: Int?
    /// Interpolation of the coarse field to the fine grid that the network corrects (default bicubic).
    public var interpolation: Interpolation = .bicubic
    /// Training patch size on the fine grid (cells a side; default 48).
    public var patch: Int = 48
    /// Every k-th time step (the last of each k) is held out for validation.
    public var validateEvery: Int = 4
    /// Correct a climatology-aware first guess (needs 2+ training steps; ties the model to this grid).
    public var climatology = true
    /// Output, training options (20 epochs of 20 steps, batch 16, lr 2e-3), resume, interrupt.
    public var run: TrainingRun

    /// A request training SRCNN at factor 4 on the perfect-model set-up (the truth block-averaged) into checkpoint `output`:
    /// 20 epochs of 20 steps, batch 16, learning rate 2e-3, every 4th step held out.
    public init(truth: String, output: String) {
        truths = [truth]
        var t = TrainingOptions()
        t.epochs = 20; t.stepsPerEpoch = 20; t.batchSize = 16; t.learningRate = 2e-3
        run = TrainingRun(output: output, options: t)
    }
}

/// What `DownscaleTraining.run` did (printed with `--json` under the property names).
public struct DownscaleTrainReport: Codable {
    /// Epochs, steps, loss and validation history, the kept epoch and the checkpoint path.
    public var training: TrainingSummary
    /// The best epoch's validation RMSE, in the variable's units.
    public var bestValidationRMSE: Double?
    /// RMSE of bicubic interpolation on the same validation steps (the variable's units): the score to beat.
    public var bicubicValidationRMSE: Double
    /// Time indices trained on.
    public var trainingSteps: [Int]
    /// Time indices held out for validation.
    public var validationSteps: [Int]
    /// Files read, and what the dataset reported about them (gaps, overlaps).
    public var truthFiles: Int
    /// What the truth dataset reported (gaps, overlaps) and other remarks.
    public var warnings: [String]
    /// Seconds per training step the loop spent waiting for (or building) its batch, and seconds per whole step
    /// (training loop time without validation, over the steps run): the data loader's share is their ratio.
    public var loaderSecondsPerStep: Double
    /// Seconds per whole training step (without validation).
    public var stepSeconds: Double
    /// Batches built ahead by the background reader (the rest were built when asked for).
    public var batchesBuiltAhead: Int
    /// Training steps the BCSD baseline's distributions were taken from.
    public var bcsdSteps: Int
    /// The streaming pass over the training steps, and validation over all epochs, in seconds.
    public var statisticsSeconds: Double
    /// Seconds spent validating, over all epochs.
    public var validationSeconds: Double
}

/// `gridcnn train downscale`: a CNN that corrects interpolated coarse fields towards the fine truth.
public enum DownscaleTraining {
    /// Validation reads at most this many held-out steps per epoch (evenly spaced), so an epoch's cost does not grow
    /// with the archive; `gridcnn evaluate downscale` scores them all.
    static let maxValidationSteps = 64

    /// Reads the truth (streamed over the training steps for the statistics), coarsens it by block averaging or reads the
    /// paired coarse input, fits standardisation, climatologies and the BCSD baseline on the training steps, and trains on
    /// seeded patches with a masked loss, keeping the epoch with the best validation RMSE. Writes the checkpoint atomically;
    /// progress on stderr unless quiet.
    /// - Throws: `TaskError` for unreadable or mismatched inputs (grids, steps, times, variables), a factor that does not
    /// divide the grid, too few steps; the training job's errors; `TrainingInterrupted` after Ctrl-C.
    public static func run(_ r: DownscaleTrainRequest) throws -> DownscaleTrainReport {
        let job = try TrainingJob(task: "downscale", run: r.run)
        let dataset = try FieldLoader.dataset(r.truths, variable: r.variable, quiet: r.run.quiet)
        let truthPath = dataset.label
        let (h, w, t) = (dataset.height, dataset.width, dataset.count)
        guard r.factor >= 2 else { throw TaskError("factor \(r.factor) must be at least 2") }
        guard h % r.factor == 0, w % r.factor == 0 else {
            throw TaskError("factor \(r.factor) does not divide the \(h)x\(w) grid of \(truthPath)")
        }
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w, grid: truthPath, latitudes: dataset.latitudes)
        var coarseData: GridDataset?
        if !r.coarses.isEmpty {
            let cf = try FieldLoader.dataset(r.coarses, variable: FieldLoader.splitSpec(r.coarses[0]).variable ?? dataset.name, quiet: r.run.quiet)
            guard cf.height * r.factor == h, cf.width * r.factor == w, cf.count == t else {
                throw TaskError("\(cf.label): coarse field is \(cf.count)x\(cf.height)x\(cf.width); expected \(t)x\(h / r.factor)x\(w / r.factor) for factor \(r.factor)")
            }
            try FieldLoader.checkSameTimes(cf, as: dataset, what: "the coarse field")
            coarseData = cf
        }
        let predictors = r.predictors.isEmpty ? nil
            : try DownscalePredictors(r.predictors, base: dataset, coarseHeight: h / r.factor, coarseWidth: w / r.factor, quiet: r.run.quiet)
        let reader = DownscaleStepReader(truth: dataset, coarse: coarseData, factor: r.factor, predictors: predictors)
        // Split time steps: every k-th held out (at least one each way when there are 2+ steps).
        var validation = (0..<t).filter { r.validateEvery > 0 && $0 % r.validateEvery == r.validateEvery - 1 }
        if validation.isEmpty && t >= 2 { validation = [t - 1] }
        var training = (0..<t).filter { !validation.contains($0) }
        if training.isEmpty { training = validation; validation = [] }

        // One pass over the training steps: standardisation, climatologies, the BCSD baseline (validation unseen).
        let statsStarted = Date()
        let stats = try DownscaleStatistics(reader: reader, training: training, height: h, width: w, interpolation: r.interpolation,
                                            quiet: r.run.quiet)
        var spec = DownscaleSpec(variable: dataset.name, units: dataset.units, longName: dataset.longName,
                                 standardName: dataset.standardName, factor: r.factor, interpolation: r.interpolation,
                                 fieldNorm: stats.fieldNorm, staticNames: statics.map { "\($0.path):\($0.variable.name)" },
                                 staticNorms: statics.map { .fit($0.data) }, fineHeight: h, fineWidth: w,
                                 validationSteps: validation, trainingSteps: training, truthPath: dataset.paths[0], patchSize: r.patch,
                                 useClimatology: r.climatology && training.count >= 2,
                                 truthPaths: dataset.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                 trainingPeriod: dataset.dates.map { d in [d[training.first!].iso8601, d[training.last!].iso8601] },
                                 predictorNames: predictors?.names, predictorNorms: predictors == nil ? nil : stats.predictorNorms)
        spec.dataContract = DownscaleContract.make(truth: dataset, predictors: predictors, staticNames: spec.staticNames, statistics: stats,
                                                   factor: r.factor, climatology: spec.useClimatology, pairedCoarse: coarseData != nil)
        let inputs = try DownscaleInputs(spec: spec, statics: statics.map { $0.data.squeezed(0) }, climatology: stats.climatology)

        let modelSpec = DownscaleModel.spec(kind: r.model, channels: inputs.channels, width: r.width, depth: r.depth)
        let model = try modelSpec.build(seed: r.run.options.seed)
        let multiple = modelSpec.inputMultiple
        var patch = r.patch
        if multiple > 1 { patch = max(multiple, patch / multiple * multiple) }
        _ = DownscaleReadFailures.shared.take()
        // The trainer announces samples one by one, a few batches ahead.
        let data = PrefetchingSource(DownscaleWindowPatches(reader: reader, inputs: inputs, steps: training, patch: patch),
                                     depth: Trainer.lookahead * r.run.options.batchSize)
        defer { data.stop() }

        let scored = validation.isEmpty ? training : validation
        let evalSteps = scored.count <= maxValidationSteps ? scored
            : (0..<maxValidationSteps).map { scored[$0 * scored.count / maxValidationSteps] }
        let bicubicRMSE = try streamedRMSE(reader: reader, inputs: inputs, steps: evalSteps, model: nil, multiple: multiple)
        if !r.run.quiet {
            writeStderr("downscale: \(truthPath) '\(spec.variable)' \(t)x\(h)x\(w), factor \(r.factor), \(statics.count) static field(s), model \(modelSpec.kind) (\(model.parameterCount) parameters)\n")
            writeStderr("downscale: \(training.count) training steps, \(validation.count) validation steps; bicubic validation RMSE \(String(format: "%.4f", bicubicRMSE)) \(spec.units ?? "")\n")
        }
        let statisticsSeconds = Date().timeIntervalSince(statsStarted)
        var validationError: Error?
        var validationSeconds = 0.0
        let validate: () -> Double = {
            let started = Date()
            defer { validationSeconds += Date().timeIntervalSince(started) }
            do { return try streamedRMSE(reader: reader, inputs: inputs, steps: evalSteps, model: model, multiple: multiple) } catch {
                validationError = validationError ?? error
                return .nan
            }
        }
        // The baselines evaluation compares against, fitted on the training steps and kept in the checkpoint, so
        // scoring another period or scenario never fits them on the data being scored.
        var extras = stats.bcsd.tensors()
        if spec.useClimatology { extras.merge(stats.climatology.tensors) { $1 } }
        let loopStarted = Date()
        let summary = try job.train(model: model, spec: modelSpec, taskSpec: spec, extras: extras,
                                   data: data, validate: validation.isEmpty ? nil : validate) { out, batch in
            Loss.mse(out, Variable(batch.target), mask: batch.mask)
        }
        if let failure = DownscaleReadFailures.shared.take() ?? validationError {
            // The model saw incomplete data: it must not stand as a finished result.
            try? FileManager.default.removeItem(atPath: summary.checkpoint)
            throw TaskError("reading the training data failed during training (\(failure)); no checkpoint was kept")
        }
        let loopSeconds = Date().timeIntervalSince(loopStarted)
        let timing = data.loaderTiming
        return DownscaleTrainReport(training: summary, bestValidationRMSE: summary.bestValidationScore,
                                    bicubicValidationRMSE: bicubicRMSE, trainingSteps: training, validationSteps: validation,
                                    truthFiles: dataset.members.count, warnings: dataset.warnings,
                                    loaderSecondsPerStep: timing.batches > 0 ? timing.seconds / Double(timing.batches) : 0,
                                    stepSeconds: timing.batches > 0 ? (loopSeconds - validationSeconds) / Double(timing.batches) : 0,
                                    batchesBuiltAhead: timing.builtAhead, bcsdSteps: stats.bcsdSteps,
                                    statisticsSeconds: statisticsSeconds, validationSeconds: validationSeconds)
    }

    /// The given indices of axis 0, stacked.
    static func select(_ x: Tensor, _ steps: [Int]) -> Tensor {
        Tensor.concatenate(steps.map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    }
}
