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
    public var training = TrainingOptions()
    public var output: String
    public var overwrite = false
    /// A checkpoint written by an interrupted run (Ctrl-C) of the same command, to continue from.
    public var resume: String?
    /// Stop after this step as Ctrl-C would (for tests and scripted time limits).
    public var stopAtStep: Int?
    public var quiet = false
    public var version = "dev"

    public init(truth: String, output: String) { self.truth = truth; self.output = output }

    /// Where an interrupted run leaves its full state.
    public var interruptedPath: String { (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".interrupted.h5" }
}

public struct DownscaleTrainReport: Codable {
    public var epochs: Int
    public var steps: Int
    public var bestValidationRMSE: Double?
    public var bicubicValidationRMSE: Double
    public var trainingSteps: [Int]
    public var validationSteps: [Int]
    public var seconds: Double
    public var checkpoint: String
}

public enum DownscaleTraining {
    public static func run(_ r: DownscaleTrainRequest) throws -> DownscaleTrainReport {
        let started = Date()
        if FileManager.default.fileExists(atPath: r.output) && !r.overwrite && r.resume == nil {
            throw TaskError("\(r.output): exists; pass --overwrite to replace it")
        }
        let (truthPath, truthVar) = FieldLoader.splitSpec(r.truth)
        let truth = try FieldLoader.load(truthPath, variable: r.variable ?? truthVar)
        let (h, w) = (truth.height, truth.width)
        guard r.factor >= 2 else { throw TaskError("factor \(r.factor) must be at least 2") }
        guard h % r.factor == 0, w % r.factor == 0 else {
            throw TaskError("factor \(r.factor) does not divide the \(h)x\(w) grid of \(truthPath)")
        }
        let statics = try r.statics.map { spec -> GridField in
            let (p, v) = FieldLoader.splitSpec(spec)
            let f = try FieldLoader.load(p, variable: v)
            guard f.height == h, f.width == w else {
                throw TaskError("\(p): static field '\(f.variable.name)' is \(f.height)x\(f.width) but \(truthPath) is \(h)x\(w)")
            }
            return f
        }
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

        let kind = r.model.rawValue
        let config = DownscaleModel.config(kind: r.model, channels: inputs.channels, width: r.width, depth: r.depth)
        let (model, multiple) = try DownscaleModel.build(kind: kind, config: config, seed: r.training.seed)
        var patch = r.patch
        if multiple > 1 { patch = max(multiple, patch / multiple * multiple) }
        let data = DownscalePatches(input: modelInput, residual: residual, steps: training, patch: patch)

        let bicubicRMSE = Metrics.scores(prediction: select(interpolated, validation.isEmpty ? training : validation),
                                         truth: select(truth.data, validation.isEmpty ? training : validation)).rmse
        if !r.quiet {
            writeStderr("downscale: \(truthPath) '\(spec.variable)' \(t)x\(h)x\(w), factor \(r.factor), \(statics.count) static field(s), model \(kind) (\(model.parameterCount) parameters)\n")
            writeStderr("downscale: training steps \(training), validation steps \(validation); bicubic validation RMSE \(String(format: "%.4f", bicubicRMSE)) \(spec.units ?? "")\n")
        }
        var state = TrainingState()
        var resumedOptimizer: [String: Tensor]?
        if let path = r.resume {
            let ck = try Checkpoint.load(path)
            guard ck.task == "downscale", ck.modelKind == kind, ck.modelConfig == config, ck.trainingOptions == r.training else {
                throw TaskError("\(path): not an interrupted run of this command (task, model or training options differ)")
            }
            try ck.restore(into: model)
            state = ck.trainingState
            resumedOptimizer = ck.optimizer
            if !r.quiet { writeStderr("downscale: resuming from \(path) at epoch \(state.epoch), step \(state.step)\n") }
        }
        let trainer = Trainer(model: model, options: r.training, state: state) { out, batch in
            Loss.mse(out, Variable(batch.target), mask: batch.mask)
        }
        if let s = resumedOptimizer { try trainer.optimizer.load(state: s) }
        trainer.quiet = r.quiet
        let evalSteps = validation.isEmpty ? training : validation
        let validate: () -> Double = {
            let x = select(modelInput, evalSteps)
            let res = TiledInference.run(model, x, multiple: multiple)
            let pred = inputs.reconstruct(interpolated: select(interpolated, evalSteps), residual: res)
            return Metrics.scores(prediction: pred, truth: select(truth.data, evalSteps)).rmse
        }
        let outcome = try trainer.fit(data, validate: validation.isEmpty ? nil : validate, stopAtStep: r.stopAtStep) { tr, improved in
            let interrupted = tr.isStopping
            guard improved || interrupted else { return }
            var ck = try Checkpoint(task: "downscale", modelKind: kind, modelConfig: config, spec: spec, model: tr.model,
                                    optimizer: tr.optimizer, state: tr.state, options: r.training, version: r.version)
            if spec.useClimatology { ck.extras = climatology.tensors }
            // An interrupted run keeps its latest state apart, so the best model in `output` stays intact.
            try ck.save(to: interrupted ? r.interruptedPath : r.output, overwrite: true)
        }
        if outcome == .interrupted {
            throw TaskError("interrupted at step \(trainer.state.step); continue with --resume \(r.interruptedPath)")
        }
        if r.resume != nil { try? FileManager.default.removeItem(atPath: r.interruptedPath) }
        return DownscaleTrainReport(epochs: trainer.state.epoch, steps: trainer.state.step, bestValidationRMSE: trainer.state.bestScore,
                                    bicubicValidationRMSE: bicubicRMSE, trainingSteps: training, validationSteps: validation,
                                    seconds: Date().timeIntervalSince(started), checkpoint: r.output)
    }

    /// The given indices of axis 0, stacked.
    static func select(_ x: Tensor, _ steps: [Int]) -> Tensor {
        Tensor.concatenate(steps.map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    }
}
