// `gridcnn train downscale`: the perfect-model set-up (coarsen the truth by block averaging and learn to recover it)
// or paired coarse/fine files; seeded patches, masked loss, held-out time steps for validation; the best epoch's
// model is kept in the checkpoint with everything needed to apply it.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain
import GridIO

public struct DownscaleTrainRequest {
    /// Fine truth: files, globs or @lists, each FILE or FILE:VAR; all one dataset ordered by time.
    public var truths: [String]
    public var truth: String { get { truths[0] } set { truths = [newValue] } }
    public var variable: String?
    /// Paired coarse input (as `truths`), step for step with the truth; nil or empty: block-average the truth.
    public var coarses: [String] = []
    public var coarse: String? { get { coarses.first } set { coarses = newValue.map { [$0] } ?? [] } }
    public var statics: [String] = []
    public var factor: Int = 4
    public var model: DownscaleModelKind = .srcnn
    public var width: Int?
    public var depth: Int?
    public var interpolation: Interpolation = .bicubic
    public var patch: Int = 48
    /// Every k-th time step (the last of each k) is held out for validation.
    public var validateEvery: Int = 4
    /// Correct a climatology-aware first guess (needs 2+ training steps; ties the model to this grid).
    public var climatology = true
    /// Output, training options (20 epochs of 20 steps, batch 16, lr 2e-3), resume, interrupt.
    public var run: TrainingRun

    public init(truth: String, output: String) {
        truths = [truth]
        var t = TrainingOptions()
        t.epochs = 20; t.stepsPerEpoch = 20; t.batchSize = 16; t.learningRate = 2e-3
        run = TrainingRun(output: output, options: t)
    }
}

public struct DownscaleTrainReport: Codable {
    public var training: TrainingSummary
    /// The best epoch's validation RMSE, in the variable's units.
    public var bestValidationRMSE: Double?
    public var bicubicValidationRMSE: Double
    public var trainingSteps: [Int]
    public var validationSteps: [Int]
    /// Files read, and what the dataset reported about them (gaps, overlaps).
    public var truthFiles: Int
    public var warnings: [String]
}

public enum DownscaleTraining {
    public static func run(_ r: DownscaleTrainRequest) throws -> DownscaleTrainReport {
        let job = try TrainingJob(task: "downscale", run: r.run)
        let dataset = try FieldLoader.dataset(r.truths, variable: r.variable, quiet: r.run.quiet)
        let truthPath = dataset.label
        let truth = try TruthField(dataset)
        let (h, w) = (truth.height, truth.width)
        guard r.factor >= 2 else { throw TaskError("factor \(r.factor) must be at least 2") }
        guard h % r.factor == 0, w % r.factor == 0 else {
            throw TaskError("factor \(r.factor) does not divide the \(h)x\(w) grid of \(truthPath)")
        }
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w, grid: truthPath)
        let coarse: Tensor
        if !r.coarses.isEmpty {
            let cf = try FieldLoader.dataset(r.coarses, variable: FieldLoader.splitSpec(r.coarses[0]).variable ?? truth.variable.name)
            guard cf.height * r.factor == h, cf.width * r.factor == w, cf.count == truth.steps else {
                throw TaskError("\(cf.label): coarse field is \(cf.count)x\(cf.height)x\(cf.width); expected \(truth.steps)x\(h / r.factor)x\(w / r.factor) for factor \(r.factor)")
            }
            coarse = try cf.readAll()
        } else {
            coarse = try Regrid.coarsen(truth.data, factor: r.factor)
        }
        // Split time steps: every k-th held out (at least one each way when there are 2+ steps).
        let t = truth.steps
        var validation = (0..<t).filter { r.validateEvery > 0 && $0 % r.validateEvery == r.validateEvery - 1 }
        if validation.isEmpty && t >= 2 { validation = [t - 1] }
        var training = (0..<t).filter { !validation.contains($0) }
        if training.isEmpty { training = validation; validation = [] }

        let trainTruth = Tensor.stack(training.map { truth.data.sliced(axis: 0, $0..<($0 + 1)).squeezed(0) }, axis: 0)
        let spec = DownscaleSpec(variable: truth.variable.name, units: truth.units, longName: truth.variable.text("long_name"),
                                 standardName: truth.variable.text("standard_name"), factor: r.factor, interpolation: r.interpolation,
                                 fieldNorm: .fit(trainTruth), staticNames: statics.map { "\($0.path):\($0.variable.name)" },
                                 staticNorms: statics.map { .fit($0.data) }, fineHeight: h, fineWidth: w,
                                 validationSteps: validation, trainingSteps: training, truthPath: dataset.paths[0], patchSize: r.patch,
                                 useClimatology: r.climatology && training.count >= 2,
                                 truthPaths: dataset.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                 trainingPeriod: dataset.dates.map { d in [d[training.first!].iso8601, d[training.last!].iso8601] })
        let interpolated = Regrid.interpolate(coarse, height: h, width: w, method: r.interpolation)
        // Climatologies from the training steps only, so validation stays unseen.
        let climatology = DownscaleClimatology(fine: BCSD.nanMean(trainTruth).replacingNaN(with: 0),
                                               coarseOnFine: BCSD.nanMean(select(interpolated, training)).replacingNaN(with: 0))
        let inputs = try DownscaleInputs(spec: spec, statics: statics.map { $0.data.squeezed(0) }, climatology: climatology)
        let modelInput = inputs.modelInput(interpolated: interpolated)
        let residual = ((truth.data - inputs.firstGuess(interpolated: interpolated)) * (1 / spec.fieldNorm.std)).unsqueezed(1).contiguous()

        let modelSpec = DownscaleModel.spec(kind: r.model, channels: inputs.channels, width: r.width, depth: r.depth)
        let model = try modelSpec.build(seed: r.run.options.seed)
        let multiple = modelSpec.inputMultiple
        var patch = r.patch
        if multiple > 1 { patch = max(multiple, patch / multiple * multiple) }
        let data = DownscalePatches(input: modelInput, residual: residual, steps: training, patch: patch)

        let bicubicRMSE = Metrics.scores(prediction: select(interpolated, validation.isEmpty ? training : validation),
                                         truth: select(truth.data, validation.isEmpty ? training : validation)).rmse
        if !r.run.quiet {
            writeStderr("downscale: \(truthPath) '\(spec.variable)' \(t)x\(h)x\(w), factor \(r.factor), \(statics.count) static field(s), model \(modelSpec.kind) (\(model.parameterCount) parameters)\n")
            writeStderr("downscale: training steps \(training), validation steps \(validation); bicubic validation RMSE \(String(format: "%.4f", bicubicRMSE)) \(spec.units ?? "")\n")
        }
        let evalSteps = validation.isEmpty ? training : validation
        let validate: () -> Double = {
            let x = select(modelInput, evalSteps)
            let res = TiledInference.run(model, x, multiple: multiple)
            let pred = inputs.reconstruct(interpolated: select(interpolated, evalSteps), residual: res)
            return Metrics.scores(prediction: pred, truth: select(truth.data, evalSteps)).rmse
        }
        // The baselines evaluation compares against, fitted here on the training steps and kept in the checkpoint, so
        // scoring another period or scenario never fits them on the data being scored.
        let bcsd = BCSD(coarseModel: select(coarse, training), coarseObs: try Regrid.coarsen(trainTruth, factor: r.factor), fineObs: trainTruth)
        var extras = bcsd.tensors()
        if spec.useClimatology { extras.merge(climatology.tensors) { $1 } }
        let summary = try job.train(model: model, spec: modelSpec, taskSpec: spec, extras: extras,
                                   data: data, validate: validation.isEmpty ? nil : validate) { out, batch in
            Loss.mse(out, Variable(batch.target), mask: batch.mask)
        }
        return DownscaleTrainReport(training: summary, bestValidationRMSE: summary.bestValidationScore,
                                    bicubicValidationRMSE: bicubicRMSE, trainingSteps: training, validationSteps: validation,
                                    truthFiles: dataset.members.count, warnings: dataset.warnings)
    }

    /// The given indices of axis 0, stacked.
    static func select(_ x: Tensor, _ steps: [Int]) -> Tensor {
        Tensor.concatenate(steps.map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    }
}

/// The truth of a training run, read whole from its dataset (shape and name as the job needs them).
struct TruthField {
    let data: Tensor      // [T, H, W]
    let variable: NCVariable
    let units: String?
    var steps: Int { data.shape[0] }
    var height: Int { data.shape[1] }
    var width: Int { data.shape[2] }

    init(_ ds: GridDataset) throws {
        data = try ds.readAll()
        guard data.scalars.contains(where: { !$0.isNaN }) else {
            throw TaskError("\(ds.label): variable '\(ds.name)' has no valid values (all missing)")
        }
        variable = ds.variable; units = ds.units
    }
}
