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
    public var input: Tensor
    public var target: Tensor
    public var mask: Tensor?
    public var labels: [Int]?
    public init(input: Tensor, target: Tensor, mask: Tensor? = nil, labels: [Int]? = nil) {
        self.input = input; self.target = target; self.mask = mask; self.labels = labels
    }
}

/// A source of training samples. `rng` is seeded per step, for random crops or augmentation.
public protocol BatchSource {
    var sampleCount: Int { get }
    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch
    /// The batches the trainer will ask for next (sample indices and the generator each gets), announced while the
    /// current step computes, so a source that reads from disk can build them ahead. Default: ignored.
    func willRequest(_ upcoming: [(indices: [Int], rng: SeededGenerator)])
}

extension BatchSource {
    public func willRequest(_ upcoming: [(indices: [Int], rng: SeededGenerator)]) {}
}

public struct TrainingOptions: Codable, Equatable, Sendable {
    public var epochs: Int = 10
    public var batchSize: Int = 16
    /// Steps per epoch; nil = one pass over the samples.
    public var stepsPerEpoch: Int?
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 0
    public var clipNorm: Float? = nil
    public var seed: UInt64 = 0
    /// Stop after this many epochs without a better validation score (nil: never).
    public var patience: Int? = nil
    public var cosineSchedule: Bool = true
    public init() {}
}

/// Where a run stands: everything besides weights and optimiser state that a resume needs.
public struct TrainingState: Codable, Equatable, Sendable {
    public var epoch = 0
    public var step = 0
    public var bestScore: Double? = nil
    public var epochsWithoutImprovement = 0
    public var history: [EpochRecord] = []
    /// The running loss of the epoch in progress, so a run resumed mid-epoch reports the same epoch loss.
    public var epochLossSum = 0.0
    public var epochLossCount = 0
    /// The random streams of the model's dropout layers (by module name), so a resumed run draws the same masks.
    public var generators: [String: SeededGenerator] = [:]
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

public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationScore: Double?
    public var seconds: Double
}

public enum TrainingOutcome: Equatable { case finished, stoppedEarly, interrupted }

public final class Trainer {
    public let model: any Layer
    public let optimizer: Optimizer
    public let options: TrainingOptions
    public var state: TrainingState
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

    public init(model: any Layer, options: TrainingOptions, state: TrainingState = TrainingState(),
                optimizer: Optimizer? = nil, loss: @escaping (Variable, Batch) -> Variable) {
        self.model = model; self.options = options; self.state = state; self.loss = loss
        let opt = optimizer ?? AdamW(model.parameters.filter { $0.param.requiresGrad }, learningRate: options.learningRate,
                                     weightDecay: options.weightDecay)
        self.optimizer = opt
    }

    public func stepsPerEpoch(_ data: BatchSource) -> Int {
        options.stepsPerEpoch ?? max(1, (data.sampleCount + options.batchSize - 1) / options.batchSize)
    }

    /// Runs until `options.epochs` are done (or early stopping / Ctrl-C). `validate` returns a score, lower is better;
    /// `save` is called after each epoch that improved (or every epoch without validation) and on interrupt.
    @discardableResult
    /// `stopAtStep` ends the run after that step as an interrupt would (the schedule still spans all epochs).
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
