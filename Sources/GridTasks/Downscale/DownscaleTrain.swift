// `gridcnn train downscale`: the perfect-model set-up (coarsen the truth by block averaging and learn to recover it)
// or paired coarse/fine files; seeded patches, masked loss, held-out time steps for validation; the best epoch's
// model is kept in the checkpoint with everything needed to apply it.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain

public struct DownscaleTrainRequest {
    public var truth: String
    public var variable: String?
    public var coarse: String?
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
        self.truth = truth
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
}

public enum DownscaleTraining {
    public static func run(_ r: DownscaleTrainRequest) throws -> DownscaleTrainReport {
        let job = try TrainingJob(task: "downscale", run: r.run)
        let (truthPath, truthVar) = FieldLoader.splitSpec(r.truth)
        let truth = try FieldLoader.load(truthPath, variable: r.variable ?? truthVar)
        let (h, w) = (truth.height, truth.width)
        guard r.factor >= 2 else { throw TaskError("factor \(r.factor) must be at least 2") }
        guard h % r.factor == 0, w % r.factor == 0 else {
            throw TaskError("factor \(r.factor) does not divide the \(h)x\(w) grid of \(truthPath)")
        }
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w, grid: truthPath)
        let coarse: Tensor
        if let c = r.coarse {
            let (p, v) = FieldLoader.splitSpec(c)
            let cf = try FieldLoader.load(p, variable: v ?? truth.variable.name)
            guard cf.height * r.factor == h, cf.width * r.factor == w, cf.steps == truth.steps else {
                throw TaskError("\(p): coarse field is \(cf.steps)x\(cf.height)x\(cf.width); expected \(truth.steps)x\(h / r.factor)x\(w / r.factor) for factor \(r.factor)")
            }
            coarse = cf.data
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
                                 validationSteps: validation, trainingSteps: training, truthPath: truthPath, patchSize: r.patch,
                                 useClimatology: r.climatology && training.count >= 2)
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
        let summary = try job.train(model: model, spec: modelSpec, taskSpec: spec, extras: spec.useClimatology ? climatology.tensors : [:],
                                   data: data, validate: validation.isEmpty ? nil : validate) { out, batch in
            Loss.mse(out, Variable(batch.target), mask: batch.mask)
        }
        return DownscaleTrainReport(training: summary, bestValidationRMSE: summary.bestValidationScore,
                                    bicubicValidationRMSE: bicubicRMSE, trainingSteps: training, validationSteps: validation)
    }

    /// The given indices of axis 0, stacked.
    static func select(_ x: Tensor, _ steps: [Int]) -> Tensor {
        Tensor.concatenate(steps.map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    }
}
