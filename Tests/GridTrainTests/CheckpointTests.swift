// Checkpoints: bit-identical round trip, exact resume, and clear errors for damaged or foreign files.
import Foundation
import Testing
import GridTensor
import GridAutograd
import GridNN
import GridModels
@testable import GridTrain

/// y = sum of x's channels plus noise: a tiny regression problem.
struct ToyData: BatchSource {
    var sampleCount: Int { 32 }
    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        var xs = [Tensor](), ys = [Tensor]()
        for i in indices {
            var local = SeededGenerator(seed: UInt64(i))
            let x = Tensor.normal([1, 2, 8, 8], rng: &local)
            xs.append(x)
            ys.append(x.sum(axes: [1], keepDims: true) + Tensor.normal([1, 1, 8, 8], std: 0.01, rng: &rng))
        }
        return Batch(input: Tensor.concatenate(xs, axis: 0), target: Tensor.concatenate(ys, axis: 0))
    }
}

func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-train-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

func makeModel() -> SRCNN { SRCNN(SRCNNConfig(inChannels: 2, outChannels: 1, kernels: [3, 1, 3], widths: [4, 4]), seed: 3) }

func makeTrainer(_ model: SRCNN, epochs: Int, state: TrainingState = TrainingState()) -> Trainer {
    var o = TrainingOptions()
    o.epochs = epochs; o.batchSize = 4; o.stepsPerEpoch = 3; o.learningRate = 1e-2; o.seed = 11
    let t = Trainer(model: model, options: o, state: state) { out, b in Loss.mse(out, Variable(b.target)) }
    t.quiet = true
    return t
}

func snapshot(_ m: SRCNN, _ t: Trainer, _ options: TrainingOptions) throws -> Checkpoint {
    try Checkpoint(task: "test", modelSpec: .srcnn(m.config), spec: ["k": 1], model: m, optimizer: t.optimizer,
                   state: t.state, options: options, version: "test")
}

@Suite(.serialized) struct CheckpointTests {
    @Test func roundTripIsBitIdentical() throws {
        let m = makeModel()
        let t = makeTrainer(m, epochs: 1)
        try t.fit(ToyData())
        let path = tempPath("a.h5")
        let ck = try snapshot(m, t, t.options)
        try ck.save(to: path)
        let back = try Checkpoint.load(path)
        #expect(back.weights.keys.sorted() == ck.weights.keys.sorted())
        for (k, v) in ck.weights { #expect(back.weights[k]!.scalars == v.scalars, "weight \(k)") }
        for (k, v) in ck.optimizer { #expect(back.optimizer[k]!.scalars == v.scalars, "optimizer \(k)") }
        #expect(back.trainingState == ck.trainingState)
        #expect(back.contentChecksum == ck.contentChecksum)
    }

    /// Train N steps straight vs k steps, save, load into fresh objects, train the rest: identical weights.
    @Test func resumeContinuesExactly() throws {
        GridRuntime.threads = 1
        let straight = makeModel()
        try makeTrainer(straight, epochs: 4).fit(ToyData())

        let first = makeModel()
        let t1 = makeTrainer(first, epochs: 4)
        let outcome = try t1.fit(ToyData(), stopAtStep: 5)
        #expect(outcome == .interrupted && t1.state.step == 5)
        let path = tempPath("resume.h5")
        try snapshot(first, t1, t1.options).save(to: path)

        let ck = try Checkpoint.load(path)
        let resumed = makeModel()
        try ck.restore(into: resumed)
        let t2 = makeTrainer(resumed, epochs: 4, state: ck.trainingState)
        try t2.optimizer.load(state: ck.optimizer)
        try t2.fit(ToyData())
        #expect(t2.state.step == 12)
        for ((n, a), (_, b)) in zip(straight.parameters, resumed.parameters) {
            #expect(a.value.scalars == b.value.scalars, "parameter \(n) differs after resume")
        }
    }

    @Test func trainingReducesLoss() throws {
        let m = makeModel()
        let t = makeTrainer(m, epochs: 30)
        try t.fit(ToyData())
        let first = t.state.history.first!.trainLoss, last = t.state.history.last!.trainLoss
        #expect(last < 0.5 * first, "loss \(t.state.history.map(\.trainLoss))")
    }

    @Test func damagedCheckpointIsRefused() throws {
        let m = makeModel()
        let t = makeTrainer(m, epochs: 1)
        let path = tempPath("good.h5")
        try snapshot(m, t, t.options).save(to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Truncated file.
        let truncated = tempPath("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: TrainError.self) { try Checkpoint.load(truncated) }
        // Flipped bytes inside the weights: either unreadable or a checksum mismatch, never silent.
        for i in stride(from: bytes.count - 4000, to: bytes.count - 100, by: 97) { bytes[i] ^= 0x5A }
        let flipped = tempPath("flipped.h5")
        try bytes.write(to: URL(fileURLWithPath: flipped))
        if let ck = try? Checkpoint.load(flipped) {
            // Bytes outside any tensor may be hit; then the content must still be intact.
            #expect(ck.contentChecksum == (try snapshot(m, t, t.options)).contentChecksum)
        }
        // Not a checkpoint at all.
        let text = tempPath("notes.h5")
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: TrainError.self) { try Checkpoint.load(text) }
        #expect(throws: TrainError.self) { try Checkpoint.load(tempPath("missing.h5")) }
    }

    @Test func restoreRejectsAnotherArchitecture() throws {
        let m = makeModel()
        let t = makeTrainer(m, epochs: 1)
        let ck = try snapshot(m, t, t.options)
        let other = SRCNN(SRCNNConfig(inChannels: 3, outChannels: 1, kernels: [3, 1, 3], widths: [4, 4]), seed: 0)
        #expect(throws: TrainError.self) { try ck.restore(into: other) }
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data(String(repeating: "a", count: 1000).utf8)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// Digests recorded before SHA-256 came from swift-crypto still hold: the committed checkpoint's file digest
    /// (sha256sum) and the content checksum stored inside it (verified by load), and a file hashed in pieces.
    @Test func storedDigestsUnchangedAndFilesHashInPieces() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = root.appendingPathComponent("models/detect-unet.h5").path
        #expect(try SHA256.hex(file: model) == "9bf632d74a251427dd0c0d4b0b44cb6d8c38cc3607080684ec15e2e7a659a266")
        #expect(try Checkpoint.load(model).contentChecksum == "0e3f9ba462a2fafb8382b85fcd91471b22fb3b56b82ff44604bbd7adaf9dcf94")
        // FIPS 180-2's one million 'a', and a file over several 1 MiB pieces against the one-shot digest.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let million = dir.appendingPathComponent("a.bin")
        try Data(repeating: 0x61, count: 1_000_000).write(to: million)
        #expect(try SHA256.hex(file: million.path) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let big = Data((0..<(3 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        try big.write(to: dir.appendingPathComponent("big.bin"))
        #expect(try SHA256.hex(file: dir.appendingPathComponent("big.bin").path) == SHA256.hex(big))
        #expect(throws: (any Error).self) { _ = try SHA256.hex(file: dir.appendingPathComponent("missing").path) }
    }
}
