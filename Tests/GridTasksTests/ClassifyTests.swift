// Jet classification: AUC, ROC and rejection on hand-worked cases, the jet-file reader's errors on bad files, the
// seeded split, preprocessing, the physics baselines, and the job end to end on a tiny synthetic jet file.
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

@Suite struct ClassifyMetricTests {
    @Test func aucOfKnownScoreLists() {
        #expect(ClassifyMetrics.auc(scores: [0.9, 0.8, 0.2, 0.1], labels: [1, 1, 0, 0]) == 1)
        #expect(ClassifyMetrics.auc(scores: [0.1, 0.2, 0.8, 0.9], labels: [1, 1, 0, 0]) == 0)
        #expect(ClassifyMetrics.auc(scores: [0.5, 0.5, 0.5, 0.5], labels: [1, 0, 1, 0]) == 0.5)
        // Pairs (signal, background): (0.35, 0.1) and (0.8, 0.1), (0.8, 0.4) right, (0.35, 0.4) wrong: 3/4.
        #expect(ClassifyMetrics.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]) == 0.75)
        // With a tie: (0.5|0.5) counts 1/2, (0.5|0.2), (0.7|0.5), (0.7|0.2) count 1: 3.5/4.
        #expect(ClassifyMetrics.auc(scores: [0.5, 0.5, 0.7, 0.2], labels: [1, 0, 1, 0]) == 0.875)
        #expect(ClassifyMetrics.auc(scores: [0.3, 0.4], labels: [1, 1]).isNaN)
    }

    @Test func rocAndRejectionAtFixedSignalEfficiency() {
        let sig: [Double] = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        let bkg: [Double] = [9.5, 7.5, 5.5, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
        let scores = sig + bkg, labels = [Int](repeating: 1, count: 10) + [Int](repeating: 0, count: 10)
        let curve = ClassifyMetrics.roc(scores: scores, labels: labels)
        #expect(curve.first == ROCPoint(signal: 0, background: 0))
        #expect(curve.last == ROCPoint(signal: 1, background: 1))
        #expect(curve.count == 21)
        // eps_S = 0.3: signals >= 8 pass, and of the background only 9.5: eps_B = 0.1.
        #expect(ClassifyMetrics.rejection(atSignal: 0.3, curve: curve) == 10)
        // eps_S = 0.5: signals >= 6 pass, background 9.5 and 7.5: eps_B = 0.2.
        #expect(abs(ClassifyMetrics.rejection(atSignal: 0.5, curve: curve)! - 5) < 1e-12)
        let m = MethodScores(scores: scores, labels: labels, threshold: 5.2)
        #expect(m.rejectionAt30 == 10 && abs(m.rejectionAt50! - 5) < 1e-12)
        // Above 5.2: 5 signal and 3 background; below: 5 signal and 7 background -> (5 + 7) / 20.
        #expect(m.accuracy == 0.6)
        // Tied group: signal {1, 1}, background {1, 0}: the curve jumps (0, 0) -> (1, 0.5); at 0.5 eps_B = 0.25.
        let tied = ClassifyMetrics.roc(scores: [1, 1, 1, 0], labels: [1, 1, 0, 0])
        #expect(ClassifyMetrics.backgroundEfficiency(atSignal: 0.5, curve: tied) == 0.25)
        #expect(ClassifyMetrics.rejection(atSignal: 0.5, curve: tied) == 4)
        // No background passes: rejection is not measurable (nil -> JSON null).
        let clean = ClassifyMetrics.roc(scores: [2, 1, 0], labels: [1, 1, 0])
        #expect(ClassifyMetrics.rejection(atSignal: 0.5, curve: clean) == nil)
    }

    @Test func bestThresholdSeparatesWhereItCan() {
        let t = ClassifyMetrics.bestThreshold(scores: [1, 2, 3, 10, 11, 12], labels: [0, 0, 0, 1, 1, 1])
        #expect(t == 6.5)
        #expect(ClassifyMetrics.accuracy(scores: [1, 2, 3, 10, 11, 12], labels: [0, 0, 0, 1, 1, 1], threshold: t) == 1)
    }

    @Test func methodScoresWriteNullForUnmeasurableRejection() throws {
        let m = MethodScores(auc: 1, accuracy: 1, rejectionAt30: nil, rejectionAt50: 2)
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        let text = String(decoding: try e.encode(m), as: UTF8.self)
        #expect(text == #"{"accuracy":1,"auc":1,"rejection_at_0.3":null,"rejection_at_0.5":2}"#)
    }
}

/// A temporary folder for jet files, removed in deinit.
final class JetTempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-cls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes a jet file with the given datasets (float32; labels as int64).
    func write(_ name: String, images: Tensor?, labels: [Int]? = nil, columns: [String: [Float]] = [:]) throws -> String {
        let p = path(name)
        let w = try HDF5Writer(path: p, overwrite: true)
        if let images { try w.writeDataset("images", images) }
        if let labels { try w.writeDataset("labels", ints: labels.map { Int64($0) }, shape: [labels.count]) }
        for (k, v) in columns { try w.writeDataset(k, Tensor(shape: [v.count], scalars: v)) }
        try w.finish()
        return p
    }
}

/// Synthetic jets: signal has a second blob below the centre, background one blob; mass and tau21 follow suit.
func syntheticJets(_ n: Int, size: Int = 25, seed: UInt64 = 1) -> (images: Tensor, labels: [Int], mass: [Float], tau21: [Float]) {
    var rng = SeededGenerator(seed: seed)
    var px = [Float](repeating: 0, count: n * size * size), labels = [Int](), mass = [Float](), tau = [Float]()
    let c = size / 2
    for i in 0..<n {
        let y = i % 2
        labels.append(y)
        px[i * size * size + c * size + c] = 100 + 20 * rng.nextUniform()
        if y == 1 { px[i * size * size + min(size - 1, c + 3) * size + c] = 40 + 10 * rng.nextUniform() }
        px[i * size * size + Int(rng.next() % UInt64(size * size))] += 2 * rng.nextUniform()
        mass.append(y == 1 ? 75 + 10 * rng.nextUniform() : 20 + 40 * rng.nextUniform())
        tau.append(y == 1 ? 0.2 + 0.3 * rng.nextUniform() : 0.4 + 0.4 * rng.nextUniform())
    }
    return (Tensor(shape: [n, size, size], scalars: px), labels, mass, tau)
}

@Suite struct JetFileTests {
    @Test func readsAGoodFile() throws {
        let d = try JetTempDir()
        let j = syntheticJets(6)
        let p = try d.write("ok.h5", images: j.images, labels: j.labels, columns: ["mass": j.mass, "tau21": j.tau21])
        let data = try JetFile.load(p, fields: [.labels, .mass, .tau21], imageSize: [25, 25])
        #expect(data.count == 6 && data.imageSize == [25, 25])
        #expect(data.labels == j.labels && data.mass == j.mass)
        #expect(data.labelsChecksum == JetFile.checksum(labels: j.labels))
    }

    @Test func missingDatasetsAreListed() throws {
        let d = try JetTempDir()
        let j = syntheticJets(4)
        let p = try d.write("missing.h5", images: j.images, labels: j.labels)
        let e = #expect(throws: TaskError.self) { try JetFile.load(p, fields: [.labels, .mass, .tau21]) }
        #expect(e?.description == "\(p): no datasets 'mass', 'tau21' (datasets: images, labels)")
        let noImages = try d.write("noimages.h5", images: nil, labels: j.labels)
        let e2 = #expect(throws: TaskError.self) { try JetFile.load(noImages, fields: []) }
        #expect(e2?.description == "\(noImages): no dataset 'images' (datasets: labels)")
    }

    @Test func countMismatchWrongSizeNaNAndBadLabels() throws {
        let d = try JetTempDir()
        let j = syntheticJets(5)
        let short = try d.write("short.h5", images: j.images, labels: Array(j.labels.prefix(4)))
        let e1 = #expect(throws: TaskError.self) { try JetFile.load(short, fields: [.labels]) }
        #expect(e1?.description == "\(short): 'labels' has 4 entries but 'images' has 5 jets")

        let small = syntheticJets(5, size: 20)
        let wrong = try d.write("wrong.h5", images: small.images, labels: small.labels)
        let e2 = #expect(throws: TaskError.self) { try JetFile.load(wrong, fields: [.labels], imageSize: [25, 25]) }
        #expect(e2?.description == "\(wrong): images are 20x20 pixels but the model needs 25x25")
        let flat = try d.write("flat.h5", images: Tensor(zeros: [5, 625]), labels: j.labels)
        let e3 = #expect(throws: TaskError.self) { try JetFile.load(flat, fields: []) }
        #expect(e3?.description.contains("expected [N, H, W]") == true)

        var mass = j.mass; mass[3] = .nan
        let nan = try d.write("nan.h5", images: j.images, labels: j.labels, columns: ["mass": mass, "tau21": j.tau21])
        let e4 = #expect(throws: TaskError.self) { try JetFile.load(nan, fields: [.labels, .mass, .tau21]) }
        #expect(e4?.description == "\(nan): 'mass' has 1 NaN or infinite value (first at jet 3)")

        var px = j.images.scalars; px[2 * 625 + 7] = .infinity
        let inf = try d.write("inf.h5", images: Tensor(shape: [5, 25, 25], scalars: px))
        let e5 = #expect(throws: TaskError.self) { try JetFile.load(inf, fields: []) }
        #expect(e5?.description == "\(inf): 'images' has 1 NaN or infinite pixel (first in jet 2)")

        let three = try d.write("three.h5", images: j.images, labels: [0, 1, 2, 0, 1])
        let e6 = #expect(throws: TaskError.self) { try JetFile.load(three, fields: [.labels]) }
        #expect(e6?.description == "\(three): 'labels' must be 0 (background) or 1 (signal); jet 2 has 2")

        let e7 = #expect(throws: TaskError.self) { try JetFile.load(d.path("absent.h5"), fields: []) }
        #expect(e7?.description == "\(d.path("absent.h5")): no such file")
    }
}

@Suite struct JetSplitTests {
    @Test func splitIsDeterministicPerSeedStratifiedAndAPartition() {
        let labels = (0..<103).map { $0 % 3 == 0 ? 1 : 0 }
        let a = JetSplit.make(labels: labels, seed: 7), b = JetSplit.make(labels: labels, seed: 7)
        let c = JetSplit.make(labels: labels, seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect((a.train + a.validation + a.test).sorted() == Array(0..<103))
        // 35 signal: 21 / 7 / 7; 68 background: 41 / 14 / 13.
        #expect(a.train.filter { labels[$0] == 1 }.count == 21 && a.validation.filter { labels[$0] == 1 }.count == 7)
        #expect(a.train.count == 62 && a.validation.count == 21 && a.test.count == 20)
        #expect(JetSplit(codes: a.codes(count: 103)) == a)
    }

    @Test func preprocessingUsesTrainingStatistics() {
        // Two jets of 1x2 pixels: pixel 0 varies (1, 3), pixel 1 is always 0.
        let images = Tensor(shape: [2, 1, 2], scalars: [1, 0, 3, 0])
        let std = JetPreprocessing(scaling: .standardize, images: images, rows: [0, 1])
        #expect(std.mean.scalars == [2, 0] && std.std.scalars == [1, 0])
        #expect(std.apply(images).scalars == [-1, 0, 1, 0])
        #expect(std.apply(images).shape == [2, 1, 1, 2])
        let sq = JetPreprocessing(scaling: .sqrt, images: Tensor(shape: [1, 1, 2], scalars: [4, 9]), rows: [0])
        #expect(sq.apply(Tensor(shape: [1, 1, 2], scalars: [4, 9])).scalars == [2, 3])
        let lg = JetPreprocessing(scaling: .log, images: images, rows: [0])
        #expect(abs(lg.apply(images).scalars[2] - Float(Foundation.log(4.0))) < 1e-6)
    }

    @Test func physicsBaselinesFitTheTrainingSplit() {
        let j = syntheticJets(200)
        let rows = Array(0..<100)
        let b = PhysicsBaselines(mass: j.mass, tau21: j.tau21, labels: j.labels, rows: rows)
        let test = Array(100..<200), y = test.map { j.labels[$0] }
        let s = b.scores(mass: j.mass, tau21: j.tau21, rows: test)
        #expect(ClassifyMetrics.auc(scores: s["mass_tau21"]!.scores, labels: y) > 0.95)
        #expect(ClassifyMetrics.auc(scores: s["mass"]!.scores, labels: y) > 0.9)
        #expect(PhysicsBaselines.bin(0.5, [1, 2]) == 0 && PhysicsBaselines.bin(1, [1, 2]) == 1 && PhysicsBaselines.bin(9, [1, 2]) == 2)
    }
}

@Suite(.serialized) struct ClassifyJobTests {
    @Test func trainEvaluateAndScoreEndToEnd() throws {
        let d = try JetTempDir()
        let j = syntheticJets(60)
        let input = try d.write("jets.h5", images: j.images, labels: j.labels, columns: ["mass": j.mass, "tau21": j.tau21, "pt": j.mass, "eta": j.mass])
        var r = ClassifyTrainRequest(input: input, output: d.path("cnn.h5"))
        r.width = 2; r.run.options.epochs = 2; r.run.options.batchSize = 12; r.run.quiet = true
        let report = try ClassifyTraining.run(r)
        #expect(report.trainJets == 36 && report.validationJets == 12 && report.testJets == 12)
        #expect(FileManager.default.fileExists(atPath: d.path("cnn.h5")))
        #expect(throws: TaskError.self) { try ClassifyTraining.run(r) }  // exists, no overwrite

        var m = ClassifyTrainRequest(input: input, output: d.path("maxout.h5"))
        m.model = .maxout; m.width = 8; m.run.options.epochs = 1; m.run.options.batchSize = 12; m.run.quiet = true
        _ = try ClassifyTraining.run(m)

        var e = ClassifyEvaluateRequest(model: d.path("cnn.h5"), input: input)
        e.compare = [d.path("maxout.h5")]; e.figure = d.path("roc.png"); e.images = d.path("avg.png")
        let ev = try ClassifyEvaluating.run(e)
        #expect(ev.selection == "test split" && ev.testJets == 12 && ev.signalJets == 6)
        #expect(Set(ev.methods.keys) == ["cnn", "maxout", "mass", "tau21", "mass_tau21"])
        #expect(ev.methods.values.allSatisfy { (0...1).contains($0.auc) && (0...1).contains($0.accuracy) })
        for png in ["roc.png", "avg.png"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: d.path(png)))
            #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        }
        #expect(ClassifyEvaluating.table(ev).contains("mass_tau21"))

        // Another file (different labels): every jet is scored.
        let other = syntheticJets(20, seed: 5)
        let otherPath = try d.write("other.h5", images: other.images, labels: other.labels.map { 1 - $0 },
                                    columns: ["mass": other.mass, "tau21": other.tau21])
        #expect(try ClassifyEvaluating.run(ClassifyEvaluateRequest(model: d.path("cnn.h5"), input: otherPath)).selection == "all jets")

        var a = ClassifyApplyRequest(model: d.path("cnn.h5"), input: input, output: d.path("scores.h5"))
        a.output.history = "gridcnn classify test"
        let applied = try ClassifyApplying.run(a)
        #expect(applied.jets == 60)
        let f = try HDF5File(path: d.path("scores.h5"))
        let scores = try f.readTensor("scores")
        #expect(scores.shape == [60] && scores.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try f.attribute("history") == .string("gridcnn classify test"))
        #expect(try f.attribute("gridcnn_model_sha256") == .string(try SHA256.hex(file: d.path("cnn.h5"))))
        #expect(throws: TaskError.self) { try ClassifyApplying.run(a) }  // exists
        a.output.overwrite = true
        _ = try ClassifyApplying.run(a)

        // Wrong checkpoint kind and wrong image size.
        let small = syntheticJets(4, size: 20)
        let smallPath = try d.write("small.h5", images: small.images)
        let err = #expect(throws: TaskError.self) {
            try ClassifyApplying.run(ClassifyApplyRequest(model: d.path("cnn.h5"), input: smallPath, output: d.path("s2.h5")))
        }
        #expect(err?.description.contains("images are 20x20 pixels but the model needs 25x25") == true)
        #expect(!FileManager.default.fileExists(atPath: d.path("s2.h5")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: d.url.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
