// `gridcnn train detect`: labels from the heuristic labeller (or a given label file), held-out time steps for
// validation, per-channel standardisation fitted on the training steps, a UNet with class-weighted cross-entropy
// plus soft Dice, or the patch classifier; the best epoch (validation mean IoU, or mean per-class accuracy) is kept
// in the checkpoint with everything `gridcnn detect` needs.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain

public struct DetectTrainRequest {
    public var input: String
    /// FILE or FILE:VAR of class masks; nil labels with the heuristic labeller.
    public var labels: String?
    public var names = DetectVariableNames()
    public var labeller = LabellerOptions()
    public var model: DetectModelKind = .unet
    /// UNet base width (default 12) or the first conv width of the patch classifier (default 16).
    public var base: Int?
    public var depth: Int?
    /// UNet crop size (default 64) or classifier patch size (default 32).
    public var patch: Int?
    /// Every k-th time step (the last of each k) is held out for validation.
    public var validateEvery = 6
    public var latitudeChannel = true
    public var maxClassWeight = 3.0
    /// Smooth random perturbations of the standardised inputs during training (std; UNet; 0: off).
    public var noise = 0.3
    /// Fields the network sees. T500 is left out by default: networks that saw it mistook the small warm spots of
    /// another model's background for warm cores; `gridcnn detect` checks the warm core of what the network finds.
    public var inputs: Set<FieldRole> = [.psl, .u850, .v850, .iwv]
    /// Weight of the soft Dice loss of the event classes added to the cross-entropy (UNet; 0: off).
    public var diceWeight = 0.5
    /// Output, training options (40 epochs, batch 8, lr 2e-3), resume, interrupt.
    public var run: TrainingRun
    public init(input: String, output: String) {
        self.input = input
        var t = TrainingOptions()
        t.epochs = 40; t.batchSize = 8; t.learningRate = 2e-3
        run = TrainingRun(output: output, options: t)
    }
}

public struct DetectTrainReport: Codable {
    public var model: String
    public var parameters: Int
    public var channels: [String]
    public var labelSource: String
    public var trainingSteps: [Int]
    public var validationSteps: [Int]
    /// Fractions of TC and AR points in the training labels.
    public var classFractions: [String: Double]
    public var classWeights: [Float]
    /// Its validation score: UNet 1 - mean IoU (TC, AR); patch classifier 1 - mean per-class accuracy.
    public var training: TrainingSummary
}

public enum DetectTraining {
    public static func run(_ r: DetectTrainRequest) throws -> DetectTrainReport {
        try r.labeller.validate()
        let job = try TrainingJob(task: "detect", run: r.run)
        let seed = r.run.options.seed
        let input = try DetectInput(path: r.input, names: r.names, required: [.psl, .u850, .v850, .iwv], optional: [.t500])
        if !r.run.quiet { for n in input.notes { writeStderr("train detect: \(n)\n") } }
        let steps = try input.readAll()
        let grid = input.grid
        let labels: [[Int8]]
        if let l = r.labels {
            labels = try MaskFile.read(l, grid: grid)
            guard labels.count == steps.count else { throw TaskError("\(l): \(labels.count) label steps for the \(steps.count) steps of \(r.input)") }
        } else {
            labels = steps.map { Labeller.label($0.fields, grid: grid, options: r.labeller).mask }
        }
        let t = steps.count
        var validation = (0..<t).filter { r.validateEvery > 0 && $0 % r.validateEvery == r.validateEvery - 1 }
        if validation.isEmpty && t >= 2 { validation = [t - 1] }
        var training = (0..<t).filter { !validation.contains($0) }
        if training.isEmpty { training = validation; validation = [] }

        // Per-channel standardisation from the training steps.
        if r.inputs.contains(.t500) && input.names[.t500] == nil {
            throw TaskError("\(r.input): --inputs asks for T500 but the file has no 500 hPa temperature (name it with --t)")
        }
        let roles = FieldRole.allCases.filter { input.names[$0] != nil && r.inputs.contains($0) }
        let norms = ChannelNorm.defaultChannels(roles).map { role, transform -> ChannelNorm in
            var ch = ChannelNorm(role: role, variable: input.names[role]!, transform: transform, mean: 0, std: 1)
            var s = 0.0, s2 = 0.0, n = 0.0
            for k in training { for v in ch.values(steps[k].fields, grid: grid) where v.isFinite { s += Double(v); s2 += Double(v) * Double(v); n += 1 } }
            let m = s / max(n, 1)
            ch.mean = Float(m); ch.std = Float(max((s2 / max(n, 1) - m * m).squareRoot(), 1e-6))
            return ch
        }
        // Class weights: sqrt of inverse frequency relative to 'none', at most `maxClassWeight` (half the crops are
        // centred on events already, so full inverse-frequency weights would over-predict events).
        var counts = [0.0, 0.0, 0.0]
        for k in training { for l in labels[k] where l >= 0 { counts[Int(l)] += 1 } }
        let total = max(counts.reduce(0, +), 1)
        let weights = counts.map { c in Float(min(r.maxClassWeight, max(1, (counts[0] / max(c, 1)).squareRoot()))) }
        let multipleOf = r.model == .unet ? 1 << (r.depth ?? 3) : 1
        var patch = r.patch ?? (r.model == .unet ? 64 : 32)
        if r.model == .unet { patch = max(multipleOf, min(patch, grid.height) / multipleOf * multipleOf) }
        var spec = DetectSpec(kind: r.model, channels: norms, latitudeChannel: r.latitudeChannel, classes: EventClass.allCases.map(\.name),
                              labelSource: r.labels ?? "labeller", labeller: r.labeller, patch: patch, trainFile: r.input,
                              trainingSteps: training, validationSteps: validation, classWeights: weights,
                              gridSpacing: abs(grid.lat[1] - grid.lat[0]))
        spec.dataContract = DetectContract.make(input: input, steps: steps, rows: training, channels: norms, latitudeChannel: r.latitudeChannel)
        let modelSpec = try DetectModel.spec(kind: r.model, channels: spec.inputChannels, base: r.base, depth: r.depth, patch: patch)
        let model = try modelSpec.build(seed: seed)
        let multiple = modelSpec.inputMultiple
        let data = DetectTensors(spec: spec, steps: steps, labels: labels, grid: grid)
        let source: BatchSource
        let validate: () -> Double
        let evalSteps = validation.isEmpty ? training : validation
        switch r.model {
        case .unet:
            source = SegmentationCrops(data: data, steps: training, size: patch, noise: Float(r.noise),
                                       exact: r.latitudeChannel ? [spec.channels.count] : [])
            validate = {
                var s = MaskScores()
                let plan = InferencePlan(model)   // this epoch's weights
                for k in evalSteps {
                    let x = Tensor(shape: [1, spec.inputChannels, grid.height, grid.width], scalars: data.inputs[k])
                    s.add(prediction: DetectModel.segment(plan, x, multiple: multiple, periodic: grid.periodic), reference: labels[k])
                }
                return 1 - s.meanIoU
            }
        case .patchcnn:
            source = PatchSamples(data: data, grid: grid, steps: training, size: patch, seed: seed, jitter: 3)
            let held = PatchSamples(data: data, grid: grid, steps: evalSteps, size: patch, seed: seed &+ 1, jitter: 0)
            validate = { 1 - PatchScores.evaluate(model, held).meanAccuracy }
        }
        if !r.run.quiet {
            writeStderr("train detect: \(r.input) \(t) steps of \(grid.height)x\(grid.width)\(grid.periodic ? " (global)" : ""), channels \(norms.map(\.label).joined(separator: ", "))\(r.latitudeChannel ? ", sin(lat)" : ""); labels: \(r.labels ?? "heuristic labeller")\n")
            writeStderr(String(format: "train detect: %@ with %d parameters; training steps %@, validation %@; label fractions TC %.4f AR %.4f; class weights %@\n",
                               r.model.rawValue, model.parameterCount, "\(training)", "\(validation)", counts[1] / total, counts[2] / total, "\(weights)"))
        }
        // Under MPI a rank's loss counts by its share of the cross-entropy's weights (the Dice term, a ratio over the
        // whole batch, is then a weighted mean of the ranks' ratios: close to, not equal to, one rank's).
        let ceWeights = r.model == .unet ? weights : nil
        let lossWeight: (Batch) -> Double = { b in b.labels!.reduce(0) { $0 + Double(ceWeights?[$1] ?? 1) } }
        let summary = try job.train(model: model, spec: modelSpec, taskSpec: spec, data: source, validate: validate,
                                    lossWeight: lossWeight) { out, batch in
            guard r.model == .unet else { return Loss.crossEntropy(out, targets: batch.labels!) }
            let ce = Loss.crossEntropy(out, targets: batch.labels!, classWeights: weights)
            return r.diceWeight > 0 ? ce + DetectTraining.softDice(out, targets: batch.labels!) * Float(r.diceWeight) : ce
        }
        return DetectTrainReport(model: r.model.rawValue, parameters: model.parameterCount,
                                 channels: norms.map(\.label) + (r.latitudeChannel ? ["sin(lat)"] : []), labelSource: spec.labelSource,
                                 trainingSteps: training, validationSteps: validation,
                                 classFractions: ["TC": counts[1] / total, "AR": counts[2] / total], classWeights: weights,
                                 training: summary)
    }

    /// Mean over the event classes (TC, AR) of 1 - soft Dice of the softmax probabilities against one-hot targets
    /// (ignored points, target -100, count for neither side). x: [N, K, H, W] logits.
    static func softDice(_ x: Variable, targets: [Int], smooth: Float = 1) -> Variable {
        let (n, k) = (x.shape[0], x.shape[1]), s = x.shape[2] * x.shape[3]
        let p = x.softmax(axis: 1)
        var valid = [Float](repeating: 0, count: n * s)
        for (i, t) in targets.enumerated() where t >= 0 { valid[i] = 1 }
        let mask = Variable(Tensor(shape: [n, 1, x.shape[2], x.shape[3]], scalars: valid))
        var total: Variable?
        for c in 1..<k {
            let onehot = Tensor(shape: [n, 1, x.shape[2], x.shape[3]], scalars: targets.map { $0 == c ? 1 : 0 })
            let pc = p.sliced(axis: 1, c..<(c + 1)) * mask
            let inter = (pc * Variable(onehot)).sum()
            let dice = 1 - (inter * 2 + smooth) / (pc.sum() + Float(onehot.total) + smooth)
            total = total.map { $0 + dice } ?? dice
        }
        return total! * (1 / Float(k - 1))
    }
}
