// The shared training job: output refused or replaced only when complete, interrupts that leave a resumable state
// (exit status 130 / 143), bit-identical resume, refusal of a resume from another command, older checkpoints read.
import Foundation
import Testing
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridIO
@testable import GridTrain

/// Reports a signal once it has been asked `after` times (the trainer asks once per step).
final class InterruptAfter: InterruptSource {
    let after: Int, signal: Int32
    var asked = 0
    init(_ after: Int, signal: Int32 = SIGINT) { self.after = after; self.signal = signal }
    var pendingSignal: Int32? { asked += 1; return asked >= after ? signal : nil }
}

private let toySpec = ModelSpec.srcnn(SRCNNConfig(inChannels: 2, outChannels: 1, kernels: [3, 1, 3], widths: [4, 4]))

/// Trains the toy model through TrainingJob; the validation score is the loss on a fixed batch.
@discardableResult
private func trainToy(_ run: TrainingRun, record: [String: Int] = ["k": 1]) throws -> (TrainingSummary, Module) {
    let model = try toySpec.build(seed: 3)
    let job = try TrainingJob(task: "toy", run: run)
    var rng = SeededGenerator(seed: 99)
    let held = ToyData().batch(Array(0..<8), rng: &rng)
    let validate = { Double(Loss.mse(model(Variable(held.input)), Variable(held.target)).value.item) }
    let result = try job.train(model: model, spec: toySpec, taskSpec: record, extras: ["note": Tensor(shape: [1], scalars: [7])], data: ToyData(),
                               validate: validate) { out, b in Loss.mse(out, Variable(b.target)) }
    return (result, model)
}

private func toyRun(_ output: String) -> TrainingRun {
    var o = TrainingOptions()
    o.epochs = 4; o.batchSize = 4; o.stepsPerEpoch = 3; o.learningRate = 1e-2; o.seed = 11
    var r = TrainingRun(output: output, options: o)
    r.quiet = true
    return r
}

@Suite(.serialized) struct TrainingJobTests {
    @Test func interruptLeavesResumableStateAndResumeIsBitIdentical() throws {
        GridRuntime.threads = 1
        let straightPath = tempPath("straight.h5")
        let (straight, _) = try trainToy(toyRun(straightPath))
        #expect(!straight.stoppedEarly && straight.steps == 12 && straight.epochs == 4 && straight.history.count == 4)
        #expect(!FileManager.default.fileExists(atPath: toyRun(straightPath).interruptedPath))

        let path = tempPath("model.h5")
        var first = toyRun(path)
        first.interrupt = InterruptAfter(5, signal: SIGTERM)
        do {
            try trainToy(first)
            Issue.record("an interrupted run must throw")
        } catch let e as TrainingInterrupted {
            #expect(e.exitCode == 143 && e.step == 5 && e.resumePath == first.interruptedPath)
        }
        // Nothing under the final name; the state is beside it.
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: first.interruptedPath))

        var second = toyRun(path)
        second.resume = first.interruptedPath
        let (resumed, _) = try trainToy(second)
        #expect(resumed.resumedFrom == first.interruptedPath && resumed.steps == 12)
        #expect(resumed.bestEpoch == straight.bestEpoch && resumed.bestValidationScore == straight.bestValidationScore)
        #expect(resumed.history.map(\.trainLoss) == straight.history.map(\.trainLoss), "the epoch losses match, the interrupted epoch's too")
        let a = try Checkpoint.load(straightPath), b = try Checkpoint.load(path)
        #expect(a.contentChecksum == b.contentChecksum, "weights, optimiser and extras of the resumed run differ")
        #expect(a.trainingState.bestEpoch == b.trainingState.bestEpoch)
        #expect(!FileManager.default.fileExists(atPath: first.interruptedPath))
    }

    /// Dropout draws from the layer's own stream; the resumed run must draw the same masks.
    @Test func resumeWithDropoutIsBitIdentical() throws {
        let spec = ModelSpec.maxout(MaxOutNetConfig(inFeatures: 128, units: [8, 4], pieces: 2, hidden: [4], classes: 1, dropout: 0.5))
        func run(_ r: TrainingRun) throws -> TrainingSummary {
            let model = try spec.build(seed: 5)
            return try TrainingJob(task: "toy", run: r).train(model: model, spec: spec, taskSpec: ["k": 1], data: ToyData(), validate: nil) { out, b in
                Loss.mse(out, Variable(b.target.sum(axes: [1, 2, 3]).reshaped([b.target.shape[0], 1])))
            }
        }
        let straightPath = tempPath("dropout-straight.h5")
        _ = try run(toyRun(straightPath))
        let path = tempPath("dropout.h5")
        var first = toyRun(path)
        first.interrupt = InterruptAfter(5)
        #expect(throws: TrainingInterrupted.self) { try run(first) }
        #expect(try Checkpoint.load(first.interruptedPath).trainingState.generators.count == 2)
        var second = toyRun(path)
        second.resume = first.interruptedPath
        _ = try run(second)
        #expect(try Checkpoint.load(straightPath).contentChecksum == Checkpoint.load(path).contentChecksum,
                "a resumed run with dropout ends with other weights")
    }

    @Test func existingOutputIsRefusedAndReplacedOnlyWhenComplete() throws {
        let path = tempPath("keep.h5")
        try Data("the user's file".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TrainError.self) { try trainToy(toyRun(path)) }
        var run = toyRun(path)
        run.overwrite = true
        run.interrupt = InterruptAfter(2)
        #expect(throws: TrainingInterrupted.self) { try trainToy(run) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the user's file")
        run.interrupt = NoInterrupt()
        try trainToy(run)
        #expect(try Checkpoint.load(path).task == "toy")
    }

    @Test func resumeOfAnotherCommandIsRefused() throws {
        let path = tempPath("other.h5")
        var run = toyRun(path)
        run.interrupt = InterruptAfter(4)
        #expect(throws: TrainingInterrupted.self) { try trainToy(run) }
        var changed = toyRun(path)
        changed.resume = run.interruptedPath
        changed.options.learningRate = 5e-3
        #expect(throws: TrainError.self) { try trainToy(changed) }
        var otherData = toyRun(path)
        otherData.resume = run.interruptedPath
        #expect(throws: TrainError.self) { try trainToy(otherData, record: ["k": 2]) }
    }

    @Test func badOptionsAreRefusedBeforeWork() {
        var run = toyRun(tempPath("x.h5"))
        run.options.epochs = 0
        #expect(throws: TrainError.self) { try TrainingJob(task: "toy", run: run) }
        run = toyRun(tempPath("x.h5"))
        run.resume = tempPath("missing.interrupted.h5")
        #expect(throws: TrainError.self) { try TrainingJob(task: "toy", run: run) }
    }

    /// Format-1 checkpoints stored the model as a kind and a config apart; they still load.
    @Test func formatOneCheckpointLoads() throws {
        let path = tempPath("v1.h5")
        let model = try toySpec.build(seed: 1)
        let w = try HDF5Writer(path: path)
        let ck = try Checkpoint(task: "toy", modelSpec: toySpec, spec: ["k": 1], model: model, optimizer: nil,
                                state: TrainingState(), options: TrainingOptions(), version: "old")
        for (k, v) in [("format", "gridcnn-checkpoint"), ("gridcnn_version", "old"), ("task", "toy"), ("model_kind", "srcnn"),
                       ("model_config", toySpec.configJSON), ("task_spec", #"{"k":1}"#),
                       ("training_state", #"{"epoch":0,"step":0,"epochsWithoutImprovement":0,"history":[]}"#),
                       ("training_options", try jsonString(TrainingOptions())), ("content_sha256", ck.contentChecksum)] {
            try w.setAttribute(k, .string(v))
        }
        try w.setAttribute("format_version", .int(1))
        try w.createGroup("/weights")
        for (k, t) in ck.weights { try w.writeDataset("/weights/\(k)", t) }
        try w.createGroup("/buffers")
        try w.finish()
        let back = try Checkpoint.load(path)
        #expect(back.model == toySpec && back.modelKind == "srcnn")
        let trained = try TrainedModel<[String: Int]>(checkpoint: path, task: "toy")
        #expect(trained.spec == ["k": 1] && trained.model.parameterCount == model.parameterCount)
        #expect(throws: TrainError.self) { try TrainedModel<[String: Int]>(checkpoint: path, task: "downscale") }
    }

    @Test func modelSpecRoundTripsEveryKind() throws {
        let specs: [ModelSpec] = [toySpec, .unet(UNetConfig(inChannels: 3, outChannels: 2, base: 4, depth: 2)),
                                  .wavenet(WaveNetConfig(classes: 8, residualChannels: 4, skipChannels: 4, layers: 2)),
                                  .tdnn(TDNNConfig(channels: [16, 8, 3], frames: 15)), .maxout(MaxOutNetConfig()),
                                  .jetcnn(.jetCNN(inChannels: 1, inputSize: [25, 25], widths: [4, 8], classes: 1)),
                                  .patchcnn(.extremeWeather(inChannels: 4, inputSize: [32, 32], classes: 3, widths: [4, 8]))]
        for s in specs {
            let back = try JSONDecoder().decode(ModelSpec.self, from: Data(try jsonString(s).utf8))
            #expect(back == s, "\(s.kind)")
            #expect(try ModelSpec(kind: s.kind, configJSON: s.configJSON) == s)
            #expect(try s.build().parameterCount > 0)
        }
        #expect(throws: ModelSpecError.self) { try ModelSpec(kind: "transformer", configJSON: "{}") }
        #expect(throws: ModelSpecError.self) { try ModelSpec(kind: "unet", configJSON: #"{"base": "wide"}"#) }
    }
}

@Suite struct ErrorShapeTests {
    /// A job's error keeps the file and the typed IO error under it instead of flattening them into its text.
    @Test func checkpointErrorsKeepTheFileAndTheCause() throws {
        let path = tempPath("absent.h5")
        do {
            _ = try Checkpoint.load(path)
            Issue.record("a missing checkpoint must throw")
        } catch let e as GridError {
            #expect(e.path == path && e.description.hasPrefix(path))
            #expect(e.cause(GridIOError.self) == .fileNotFound(path: path))
        }
        #expect(GridIOError.variableNotFound(name: "tas", available: [], path: "a.nc").variable == "tas")
    }
}
