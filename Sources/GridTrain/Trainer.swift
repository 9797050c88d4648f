// The training loop shared by every task: seeded batches, optimiser steps, validation each epoch, early stopping,
// progress, and checkpoints (also on an interrupt, which the caller supplies: library code installs no handlers).
// Shuffling and per-step randomness are derived from (seed, epoch, step), so a run resumed from a checkpoint continues
// exactly as if it had never stopped.
import Foundation
import GridTensor
import GridAutograd
import GridNN

/// One mini-batch. `mask` marks valid target points (missing data excluded from the loss); `labels` for classes.
public struct Batch {
    /// The network's input, batch first: `[N, C, H, W]` for grids, `[N, C, T]` for sequences.
    public var input: Tensor
    /// What the loss compares the output with; its shape is the task's (e.g. `[N, C, H, W]` fields, `[N, T]` sequences).
    public var target: Tensor
    /// 1 where the target is valid and 0 where it is missing, shaped like `target`; nil when every point counts.
    public var mask: Tensor?
    /// Class indices, one per sample (classification), or nil.
    public var labels: [Int]?
    /// A batch; every tensor's first axis is the sample.
    public init(input: Tensor, target: Tensor, mask: Tensor? = nil, labels: [Int]? = nil) {
        self.input = input; self.target = target; self.mask = mask; self.labels = labels
    }
}

/// A source of training samples. `rng` is seeded per step, for random crops or augmentation.
public protocol BatchSource {
    /// The number of samples; the trainer draws indices in `0..<sampleCount`.
    var sampleCount: Int { get }
    /// The samples at `indices` as one batch, in that order. Draw any randomness (crops, flips, noise) from `rng` only,
    /// so that runs repeat and resume exactly. The trainer calls it with one index at a time and concatenates.
    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch
    /// The batches the trainer will ask for next (sample indices and the generator each gets), announced while the
    /// current step computes, so a source that reads from disk can build them ahead. Default: ignored.
    func willRequest(_ upcoming: [(indices: [Int], rng: SeededGenerator)])
}

extension BatchSource {
    /// Ignores the announcement: the default for sources that build batches on demand.
    public func willRequest(_ upcoming: [(indices: [Int], rng: SeededGenerator)]) {}
}

/// The knobs of a training run, stored in every checkpoint (a resume must use the same). Defaults: 10 epochs,
/// batches of 16, learning rate 1e-3 with a cosine schedule, no weight decay, no clipping, seed 0, no early stop.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Passes over the data (or `stepsPerEpoch` steps each); at least 1.
    public var epochs: Int = 10
    /// Samples per optimiser step (the global batch, shared by all ranks under MPI); at least 1.
    public var batchSize: Int = 16
    /// Steps per epoch; nil = one pass over the samples.
    public var stepsPerEpoch: Int?
    /// AdamW's peak learning rate (the schedule's start); positive.
    public var learningRate: Float = 1e-3
    /// AdamW's decoupled weight decay: each step first multiplies the weights by 1 - lr x weightDecay (0: none).
    public var weightDecay: Float = 0
    /// When set, gradients are scaled down so that their global L2 norm is at most this before each step.
    public var clipNorm: Float? = nil
    /// Seeds the sample order, each sample's randomness and the dropout streams: the same seed gives the same run.
    public var seed: UInt64 = 0
    /// Stop after this many epochs without a better validation score (nil: never).
    public var patience: Int? = nil
    /// When true the learning rate falls along a cosine from `learningRate` to 5 % of it over all steps; when false it
    /// stays constant.
    public var cosineSchedule: Bool = true
    /// The defaults above.
    public init() {}
}

/// Where a run stands: everything besides weights and optimiser state that a resume needs.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Epochs finished.
    public var epoch = 0
    /// Optimiser steps taken since the start (across epochs).
    public var step = 0
    /// The lowest validation score so far, or nil without validation.
    public var bestScore: Double? = nil
    /// Epochs since the best score was reached (early stopping compares it with `patience`).
    public var epochsWithoutImprovement = 0
    /// One record per finished epoch, in order.
    public var history: [EpochRecord] = []
    /// The running loss of the epoch in progress, so a run resumed mid-epoch reports the same epoch loss.
    public var epochLossSum = 0.0
    /// The number of steps summed in `epochLossSum`.
    public var epochLossCount = 0
    /// The random streams of the model's dropout layers (by module name), so a resumed run draws the same masks.
    public var generators: [String: SeededGenerator] = [:]
    /// The state of a run that has not started.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case epoch, step, bestScore, epochsWithoutImprovement, history, epochLossSum, epochLossCount, generators
    }

    /// The epoch (1-based) whose model is the best, by the loop's own rule: an epoch improves when it has no
    /// validation score or a lower one than the best so far.
    public var bestEpoch: Int? {
        var best: (epoch: Int, score: Double?)?
        for r in history {
            guard let s = r.validationScore, let b = best?.score else { best = (r.epoch, r.validationScore); continue }
            if s < b { best = (r.epoch, s) }
        }
        return best?.epoch
    }

    // Checkpoints of earlier versions lack the newer fields.
    /// Decodes a state; fields added in later versions default when missing (checkpoints of earlier versions still load).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        bestScore = try c.decodeIfPresent(Double.self, forKey: .bestScore)
        epochsWithoutImprovement = try c.decodeIfPresent(Int.self, forKey: .epochsWithoutImprovement) ?? 0
        history = try c.decodeIfPresent([EpochRecord].self, forKey: .history) ?? []
        epochLossSum = try c.decodeIfPresent(Double.self, forKey: .epochLossSum) ?? 0
        epochLossCount = try c.decodeIfPresent(Int.self, forKey: .epochLossCount) ?? 0
        generators = try c.decodeIfPresent([String: SeededGenerator].self, forKey: .generators) ?? [:]
    }
}

/// One finished epoch in a run's history.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The epoch's number, from 1.
    public var epoch: Int
    /// The mean training loss over the epoch's steps (the loss function's own units).
    public var trainLoss: Double
    /// The validation score after the epoch (lower is better; the task's metric), nil without validation.
    public var validationScore: Double?
    /// Wall-clock seconds the epoch took, validation included.
    public var seconds: Double
}

/// How ``Trainer/fit(_:validate:stopAtStep:save:)`` ended: all epochs done, stopped by `patience`, or interrupted
/// (signal or `stopAtStep`) after saving.
public enum TrainingOutcome: Equatable { case finished, stoppedEarly, interrupted }

/// The training loop every task shares: seeded batches, optimiser steps, validation after each epoch, early stopping,
/// progress on stderr, and calls to a `save` closure after improving epochs and on interrupt. Shuffling and per-sample
/// randomness derive from (seed, epoch, step), so a run resumed from its state continues exactly. Most callers use
/// ``TrainingJob``, which adds output checks, the best-epoch checkpoint and resume. Not thread-safe: one `fit` at a time.
public final class Trainer {
    /// The network being trained (its parameters are updated in place).
    public let model: any Layer
    /// The optimiser: the one given to `init`, or AdamW over the trainable parameters.
    public let optimizer: Optimizer
    /// The run's options.
    public let options: TrainingOptions
    /// Where the run stands; advanced by `fit`, and set from a checkpoint to resume.
    public var state: TrainingState
    /// When true no progress is written.
    public var quiet = false
    /// Asked after every step; when it reports a stop the loop saves and returns `.interrupted`.
    public var interrupt: InterruptSource = NoInterrupt()
    /// True while the loop is saving because of Ctrl-C (or stopAtStep), so `save` can tell it from an epoch end.
    public private(set) var isStopping = false
    /// loss(model output, batch) -> scalar Variable.
    let loss: (Variable, Batch) -> Variable
    /// The processes sharing each batch (data-parallel training); alone by default.
    public var group: ProcessGroup = SingleProcess()
    /// How much of the global loss a part of a batch carries: the loss is a mean over the elements this counts, so
    /// a rank's loss enters the global one with weight (its count / the total). Default: valid mask points, else
    /// samples.
    public var lossWeight: (Batch) -> Double = Trainer.elementCount
    /// Time spent in the gradient all-reduce (data-parallel runs).
    public internal(set) var allReduceSeconds = 0.0

    /// A trainer for `model`. `loss(output, batch)` must return a scalar Variable (a mean, so that data-parallel weighting
    /// holds); `optimizer` defaults to AdamW over the parameters that require gradients, with `options.learningRate` and
    /// `options.weightDecay`. Pass a saved `state` to resume.
    public init(model: any Layer, options: TrainingOptions, state: TrainingState = TrainingState(),
                optimizer: Optimizer? = nil, loss: @escaping (Variable, Batch) -> Variable) {
        self.model = model; self.options = options; self.state = state; self.loss = loss
        let opt = optimizer ?? AdamW(model.parameters.filter { $0.param.requiresGrad }, learningRate: options.learningRate,
                                     weightDecay: options.weightDecay)
        self.optimizer = opt
    }

    /// Steps in one epoch: `options.stepsPerEpoch`, or enough batches to cover every sample once (rounded up).
    public func stepsPerEpoch(_ data: BatchSource) -> Int {
        options.stepsPerEpoch ?? max(1, (data.sampleCount + options.batchSize - 1) / options.batchSize)
    }

    /// Runs until `options.epochs` are done (or early stopping / Ctrl-C). `validate` returns a score, lower is better;
    /// `save` is called after each epoch that improved (or every epoch without validation) and on interrupt.
    /// `stopAtStep` ends the run after that step as an interrupt would (the schedule still spans all epochs).
    ///
    /// With `options.cosineSchedule` the optimiser's learning rate follows a cosine from `learningRate` down to 5 % of
    /// it over all epochs. Throws when a batch cannot be shared by the group's ranks, when every rank's batch has no
    /// valid target point, or what `save` throws. Not reentrant: one `fit` at a time per trainer and model.
    @discardableResult
    public func fit(_ data: BatchSource, validate: (() -> Double)? = nil, stopAtStep: Int? = nil,
                    save: ((Trainer, _ improved: Bool) throws -> Void)? = nil) throws -> TrainingOutcome {
        let perEpoch = stepsPerEpoch(data)
        let totalSteps = perEpoch * options.epochs
        if options.cosineSchedule { optimizer.schedule = .cosine(totalSteps: totalSteps, minimum: options.learningRate * 0.05) }
        guard group.size <= options.batchSize else {
            throw GridError("a batch of \(options.batchSize) cannot be shared by \(group.size) ranks: raise --batch-size")
        }
        restoreGenerators()
        return try BatchStatistics.combined(over: group) {
            try loop(data, perEpoch: perEpoch, validate: validate, stopAtStep: stopAtStep, save: save)
        }
    }

    private func loop(_ data: BatchSource, perEpoch: Int, validate: (() -> Double)?, stopAtStep: Int?,
                      save: ((Trainer, _ improved: Bool) throws -> Void)?) throws -> TrainingOutcome {
        let progress = ProgressReporter("train", total: perEpoch * options.epochs, quiet: quiet)
        while state.epoch < options.epochs {
            let started = Date()
            let order = epochOrder(data.sampleCount, epoch: state.epoch)
            model.train()
            while state.step < (state.epoch + 1) * perEpoch {
                let within = state.step - state.epoch * perEpoch
                let indices = batchIndices(order, within: within)
                // The samples of the next few batches of this epoch (this rank's share), for sources that load ahead.
                let ahead = (1...Self.lookahead).filter { within + $0 < perEpoch }
                if !ahead.isEmpty {
                    data.willRequest(ahead.flatMap { sampleRequests(batchIndices(order, within: within + $0), step: state.step + $0) })
                }
                let (lossValue, stopRequested) = try step(data, indices: indices)
                state.epochLossSum += lossValue; state.epochLossCount += 1
                state.step += 1
                progress.update(state.step, status: String(format: "epoch %d loss %.4g", state.epoch + 1,
                                                           state.epochLossSum / Double(state.epochLossCount)))
                if stopRequested || state.step == stopAtStep {
                    progress.log("interrupted: saving a checkpoint at step \(state.step)")
                    isStopping = true
                    defer { isStopping = false }
                    captureGenerators()
                    try save?(self, false)
                    return .interrupted
                }
            }
            model.eval()
            // Validation runs on the first rank; every rank gets its score, so all decide alike.
            var score = validate.map { f in group.isRoot ? GradMode.withNoGrad { f() } : 0 }
            if let s = score, group.size > 1 { score = try group.broadcast(s) }
            let epochLoss = state.epochLossSum / Double(max(state.epochLossCount, 1))
            state.history.append(EpochRecord(epoch: state.epoch + 1, trainLoss: epochLoss,
                                             validationScore: score, seconds: Date().timeIntervalSince(started)))
            state.epoch += 1
            state.epochLossSum = 0; state.epochLossCount = 0
            var improved = true
            if let score {
                improved = state.bestScore.map { score < $0 } ?? true
                if improved { state.bestScore = score; state.epochsWithoutImprovement = 0 } else { state.epochsWithoutImprovement += 1 }
                progress.log(String(format: "epoch %d: train loss %.5g, validation %.5g%@", state.epoch, epochLoss, score, improved ? " (best)" : ""))
            }
            captureGenerators()
            try save?(self, improved)
            if let p = options.patience, state.epochsWithoutImprovement >= p {
                progress.log("early stop: no improvement for \(p) epochs")
                return .stoppedEarly
            }
        }
        return .finished
    }

    /// Dropout layers carry their own random stream; it is part of the state a resume needs.
    private var dropoutLayers: [(name: String, layer: Dropout)] {
        model.namedModules.compactMap { m in (m.layer as? Dropout).map { (m.name, $0) } }
    }

    private func captureGenerators() {
        state.generators = Dictionary(dropoutLayers.map { ($0.name, $0.layer.rng) }, uniquingKeysWith: { a, _ in a })
    }

    private func restoreGenerators() {
        for (name, layer) in dropoutLayers {
            if let g = state.generators[name] { layer.rng = g }
            // Ranks draw different masks for their different samples (the first rank's streams are the ones saved).
            if group.rank > 0 { layer.rng = SeededGenerator(seed: layer.rng.next() ^ (0xD1B5_4A32_D192_ED03 &* UInt64(group.rank))) }
        }
    }

    /// How many batches ahead `willRequest` announces.
    public static let lookahead = 4

    /// The sample indices of the `within`-th batch of an epoch with sample order `order`.
    func batchIndices(_ order: [Int], within: Int) -> [Int] {
        (0..<options.batchSize).map { order[(within * options.batchSize + $0) % order.count] }
    }

    /// This rank's samples of a batch as `willRequest` announces them: each sample alone, with its own generator.
    func sampleRequests(_ indices: [Int], step: Int) -> [(indices: [Int], rng: SeededGenerator)] {
        group.share(of: indices.count).map { p in ([indices[p]], Trainer.sampleGenerator(seed: options.seed, step: step, position: p)) }
    }

    /// The sample order of an epoch: a seeded shuffle that depends only on (seed, epoch).
    func epochOrder(_ n: Int, epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: options.seed &+ 0x5851_F42D &* UInt64(epoch + 1))
        var order = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) } }
        return order
    }
}
