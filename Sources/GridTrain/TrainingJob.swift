// The skeleton every training job shares, so that they all behave alike: refuse an existing output (unless
// overwriting or resuming), keep the best epoch's model and optimiser state, write the final checkpoint only when
// training has finished (the user's old file stays whole until then), keep a resumable state beside the output
// (`OUT.interrupted.h5`, after each epoch and on an interrupt), and continue bit-identically with `resume`.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels

/// What every training request shares (the CLI's training and output flags map onto it).
public struct TrainingRun {
    /// Epochs, batch size, learning rate, seed and the other knobs of the loop.
    public var options: TrainingOptions
    /// The checkpoint to write (HDF5).
    public var output: String
    /// Replace an existing `output` (only when the new checkpoint is complete); false refuses it before any work.
    public var overwrite = false
    /// The `OUT.interrupted.h5` of an earlier run of the same command, to continue from.
    public var resume: String?
    /// Stop after this step as an interrupt would (tests, scripted time limits).
    public var stopAtStep: Int?
    /// When true no progress or resume messages are written to stderr.
    public var quiet = false
    /// The gridcnn version recorded in the checkpoint.
    public var version = "dev"
    /// Asked after every step; the CLI connects SIGINT and SIGTERM to it.
    public var interrupt: InterruptSource = NoInterrupt()
    /// The processes that share every batch (MPI ranks); the first one writes the checkpoints.
    public var group: ProcessGroup = SingleProcess()

    /// A run writing its checkpoint to `output`, with default options, no overwrite, no resume, no interrupt source.
    public init(output: String, options: TrainingOptions = TrainingOptions()) { self.output = output; self.options = options }

    /// Where an interrupted (or killed) run leaves its full state.
    public var interruptedPath: String { (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".interrupted.h5" }
}

/// A stop request: the signal that asked for it (SIGINT, SIGTERM), nil while none.
public protocol InterruptSource {
    var pendingSignal: Int32? { get }
}

/// The interrupt source that never asks to stop: the default of library calls.
public struct NoInterrupt: InterruptSource {
    /// A source that never fires.
    public init() {}
    /// Always nil.
    public var pendingSignal: Int32? { nil }
}

/// An interrupt raised from code (tests, a host application's own stop button).
public final class ManualInterrupt: InterruptSource, @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?
    /// A source with no request pending.
    public init() {}
    /// Asks the running job to stop after its current step, as `signal` would; safe from any thread.
    public func request(signal: Int32 = SIGINT) { lock.lock(); self.signal = signal; lock.unlock() }
    /// The requested signal, or nil; safe from any thread.
    public var pendingSignal: Int32? { lock.lock(); defer { lock.unlock() }; return signal }
}

/// Training stopped before it finished; the state is saved at `resumePath`. Exit status 128 + signal (130, 143).
public struct TrainingInterrupted: Error, CustomStringConvertible {
    /// The signal that asked for the stop (SIGINT 2, SIGTERM 15).
    public let signal: Int32
    /// The optimiser steps done when it stopped.
    public let step: Int
    /// The `OUT.interrupted.h5` file holding the full state; pass it as `TrainingRun.resume` to continue.
    public let resumePath: String
    /// The conventional exit status, 128 + signal (130 for SIGINT, 143 for SIGTERM).
    public var exitCode: Int32 { 128 + signal }
    /// One line saying where it stopped and how to continue.
    public var description: String { "interrupted at step \(step); continue with --resume \(resumePath)" }
}

/// What every training report shares (its `training` object in JSON): how long and how far it ran, the best
/// epoch and its validation score (the job's score, lower is better), the history, the seed and the checkpoint.
public struct TrainingSummary: Codable, Equatable, Sendable {
    /// Epochs finished (fewer than asked when stopped early).
    public var epochs: Int
    /// Optimiser steps taken in all.
    public var steps: Int
    /// The epoch (from 1) whose model the checkpoint holds.
    public var bestEpoch: Int?
    /// The best epoch's validation score (the task's metric, lower is better), nil without validation.
    public var bestValidationScore: Double?
    /// True when `patience` epochs passed without improvement.
    public var stoppedEarly: Bool
    /// Every epoch's training loss, validation score and seconds.
    public var history: [EpochRecord]
    /// Wall-clock seconds of the job, data reading and validation included.
    public var seconds: Double
    /// The seed of the run (the same seed and options repeat it).
    public var seed: UInt64
    /// The path of the checkpoint written.
    public var checkpoint: String
    /// The interrupted run this one continued.
    public var resumedFrom: String?
    /// Under MPI: the ranks, and the seconds the first rank spent summing gradients over them (the all-reduce's share
    /// of `seconds`).
    public var ranks: Int? = nil
    /// Seconds the first rank spent summing gradients over the ranks (the all-reduce's share of `seconds`); nil alone.
    public var allReduceSeconds: Double? = nil
}

/// The skeleton of every training job: refuses an existing output before reading data (unless overwriting or
/// resuming), trains with ``Trainer``, keeps the best epoch's weights and optimiser state, writes a resumable state to
/// `OUT.interrupted.h5` after each epoch and on an interrupt, and writes the final ``Checkpoint`` atomically only when
/// training finished. With `run.resume` it continues bit-identically. One job trains one model; it is not reentrant.
public final class TrainingJob {
    /// The task's name, stored in the checkpoint (``TrainedModel`` checks it when applying).
    public let task: String
    /// Output, options, resume and interrupt settings.
    public let run: TrainingRun
    private let started = Date()

    /// Checks the output before any data is read: an existing file is refused unless overwriting or resuming.
    public init(task: String, run: TrainingRun) throws {
        self.task = task; self.run = run
        let o = run.options
        guard o.epochs >= 1 else { throw TrainError("--epochs must be at least 1") }
        guard o.batchSize >= 1 else { throw TrainError("--batch-size must be at least 1") }
        guard o.learningRate > 0, o.learningRate.isFinite else { throw TrainError("--lr must be positive") }
        if let s = o.stepsPerEpoch, s < 1 { throw TrainError("--steps-per-epoch must be at least 1") }
        if let p = o.patience, p < 1 { throw TrainError("--patience must be at least 1") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: run.output, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw TrainError("\(run.output): is a directory") }
            if !run.overwrite && run.resume == nil { throw TrainError("\(run.output): exists; pass --overwrite to replace it") }
        }
        if let r = run.resume, !FileManager.default.fileExists(atPath: r) {
            throw TrainError("\(r): no such checkpoint to resume from")
        }
    }

    /// Trains `model` (built from `spec`) and writes the best epoch's checkpoint to the output. `taskSpec` is the
    /// job's record (what applying the model needs); `extras` are tensors stored with it. Throws
    /// `TrainingInterrupted` after saving the resumable state when stopped.
    public func train<TaskSpec: Encodable>(model: any Layer, spec: ModelSpec, taskSpec: TaskSpec, extras: [String: Tensor] = [:],
                                           data: BatchSource, validate: (() -> Double)?,
                                           lossWeight: ((Batch) -> Double)? = nil,
                                           loss: @escaping (Variable, Batch) -> Variable) throws -> TrainingSummary {
        let record = try jsonString(taskSpec)
        var state = TrainingState()
        var resumedOptimizer: [String: Tensor]?
        var best: Snapshot?
        if let path = run.resume {
            let ck = try Checkpoint.load(path)
            try checkResumable(ck, path: path, spec: spec, record: record)
            try ck.restore(into: model)
            state = ck.trainingState
            resumedOptimizer = ck.optimizer
            best = Snapshot(stored: ck.extras)
            if !run.quiet { writeStderr("\(task): resuming from \(path) at epoch \(state.epoch + 1), step \(state.step)\n") }
        }
        let trainer = Trainer(model: model, options: run.options, state: state, loss: loss)
        if let s = resumedOptimizer { try trainer.optimizer.load(state: s) }
        trainer.quiet = run.quiet
        trainer.interrupt = run.interrupt
        trainer.group = run.group
        if let lossWeight { trainer.lossWeight = lossWeight }
        func checkpoint(_ snap: Snapshot, state: TrainingState, extras: [String: Tensor]) throws -> Checkpoint {
            var ck = Checkpoint(task: task, model: spec, taskSpec: record, trainingState: state, trainingOptions: run.options,
                                weights: snap.weights, buffers: snap.buffers, optimizer: snap.optimizer, gridcnnVersion: run.version)
            ck.extras = extras
            return ck
        }
        let outcome = try trainer.fit(data, validate: validate, stopAtStep: run.stopAtStep) { tr, improved in
            // The resumable state: the current model and optimiser, with the best so far beside the task's extras.
            let current = Snapshot(tr.model, tr.optimizer)
            if improved && !tr.isStopping { best = current }
            guard self.run.group.isRoot else { return }
            try checkpoint(current, state: tr.state, extras: extras.merging(best?.stored ?? [:]) { a, _ in a })
                .save(to: self.run.interruptedPath, overwrite: true)
        }
        if outcome == .interrupted {
            if !run.quiet { writeStderr("\(task): state saved in \(run.interruptedPath)\n") }
            throw TrainingInterrupted(signal: run.interrupt.pendingSignal ?? SIGINT, step: trainer.state.step,
                                      resumePath: run.interruptedPath)
        }
        let final = try checkpoint(best ?? Snapshot(model, trainer.optimizer), state: trainer.state, extras: extras)
        if run.group.isRoot {
            try final.save(to: run.output, overwrite: true)
            try? FileManager.default.removeItem(atPath: run.interruptedPath)
        }
        try final.restore(into: model)   // the model the caller holds is the best one, as the checkpoint is
        let s = trainer.state
        return TrainingSummary(epochs: s.epoch, steps: s.step, bestEpoch: s.bestEpoch, bestValidationScore: s.bestScore,
                               stoppedEarly: outcome == .stoppedEarly, history: s.history, seconds: Date().timeIntervalSince(started),
                               seed: run.options.seed, checkpoint: run.output, resumedFrom: run.resume,
                               ranks: run.group.size > 1 ? run.group.size : nil,
                               allReduceSeconds: run.group.size > 1 ? trainer.allReduceSeconds : nil)
    }

    /// A resumed run must be the same command: task, model, training options and task record (data, statistics).
    func checkResumable(_ ck: Checkpoint, path: String, spec: ModelSpec, record: String) throws {
        var differs = [String]()
        if ck.task != task { differs.append("task '\(ck.task)' instead of '\(task)'") }
        if ck.model != spec { differs.append("model \(ck.modelKind) with another configuration") }
        if ck.trainingOptions != run.options { differs.append("training options") }
        if ck.taskSpec != record { differs.append("data or task options") }
        guard differs.isEmpty else {
            throw TrainError("\(path): not an interrupted run of this command (differs in \(differs.joined(separator: ", ")))")
        }
    }
}

/// Weights, buffers and optimiser state at one moment (tensors are values: later steps do not change a snapshot).
struct Snapshot {
    static let prefix = "best."
    var weights: [String: Tensor]
    var buffers: [String: Tensor]
    var optimizer: [String: Tensor]

    init(_ model: any Layer, _ optimizer: Optimizer?) {
        weights = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.param.value) })
        buffers = Dictionary(uniqueKeysWithValues: model.buffers.map { ($0.name, $0.buffer.value) })
        self.optimizer = optimizer?.state() ?? [:]
    }

    /// Stored among a resumable checkpoint's extras as best.weights.NAME, best.buffers.NAME, best.optimizer.NAME.
    var stored: [String: Tensor] {
        var out = [String: Tensor]()
        for (group, dict) in [("weights", weights), ("buffers", buffers), ("optimizer", optimizer)] {
            for (k, v) in dict { out["\(Snapshot.prefix)\(group).\(k)"] = v }
        }
        return out
    }

    init?(stored: [String: Tensor]) {
        var groups = ["weights": [String: Tensor](), "buffers": [:], "optimizer": [:]]
        for (k, v) in stored where k.hasPrefix(Snapshot.prefix) {
            let rest = k.dropFirst(Snapshot.prefix.count)
            guard let dot = rest.firstIndex(of: "."), groups[String(rest[..<dot])] != nil else { continue }
            groups[String(rest[..<dot])]![String(rest[rest.index(after: dot)...])] = v
        }
        guard !groups["weights"]!.isEmpty else { return nil }
        weights = groups["weights"]!; buffers = groups["buffers"]!; optimizer = groups["optimizer"]!
    }
}
