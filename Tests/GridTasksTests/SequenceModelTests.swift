import Testing
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridIO
@testable import GridTasks

/// Mu-law, the LPC and histogram baselines, receptive fields, batches and a small end-to-end series run.
@Suite(.serialized) struct SequenceModelTests {
    @Test func muLawRoundTrip() {
        for c in 0...255 { #expect(MuLaw.encode(MuLaw.decode(c)) == c) }
        #expect(MuLaw.encode(0) == 128 && MuLaw.encode(1) == 255 && MuLaw.encode(-1) == 0 && MuLaw.encode(7) == 255)
        #expect(MuLaw.decode(255) == 1 && MuLaw.decode(0) == -1)
        // Within a code's cell: the round-trip error is at most half the cell, which grows with |x|.
        let edges = MuLaw.cellEdges()
        for i in 0..<2000 {
            let x = Float(i) / 1000 - 1, c = MuLaw.encode(x)
            let lo = c > 0 ? edges[c - 1] : -1, hi = c < 255 ? edges[c] : 1
            #expect(Double(x) >= lo - 1e-6 && Double(x) <= hi + 1e-6)
            #expect(abs(MuLaw.decode(c) - x) <= Float(hi - lo) + 1e-6)
        }
        // Fine steps near zero, coarse near full scale.
        #expect(edges[128] - edges[127] < 0.001 && edges[254] - edges[253] > 0.03)
    }

    @Test func lpcRecoversAnAR2Process() {
        // x[t] = 1.5 x[t-1] - 0.75 x[t-2] + e, e ~ N(0, 0.1^2): stable (poles at radius 0.866).
        var rng = SeededGenerator(seed: 11)
        var x = [Float](repeating: 0, count: 40000)
        for t in 2..<x.count { x[t] = 1.5 * x[t - 1] - 0.75 * x[t - 2] + 0.1 * rng.nextNormal() }
        let p = LinearPredictor.fit([x], order: 2)
        #expect(abs(p.coefficients[0] - 1.5) < 0.02 && abs(p.coefficients[1] + 0.75) < 0.02, "\(p.coefficients)")
        #expect(abs(p.sigma - 0.1) < 0.005)
        // A higher order finds (nearly) nothing more.
        let p4 = LinearPredictor.fit([x], order: 4)
        #expect(abs(p4.coefficients[2]) < 0.03 && abs(p4.coefficients[3]) < 0.03)
        // Levinson by hand for order 1: a = r1 / r0.
        #expect(abs(LinearPredictor.levinson([2, 1], order: 1)[0] - 0.5) < 1e-6)
    }

    @Test func histogramAndLPCBits() {
        // Uniform codes cost 8 bits under a histogram fitted on them.
        var h = CodeHistogram(classes: 256)
        let codes = (0..<25600).map { $0 % 256 }
        h.add(codes)
        #expect(abs(h.bits(codes) - 8) < 1e-9)
        // A smooth low-frequency sine is far cheaper under LPC than under its histogram.
        let x = (0..<16000).map { Float(0.5 * sin(Double($0) * 2 * .pi * 200 / 16000)) }
        let c = x.map { MuLaw.encode($0) }
        var hs = CodeHistogram(classes: 256); hs.add(c)
        let lpc = LinearPredictor.fit([c.map { MuLaw.decode($0) }], order: 8)
        let bl = lpc.bits(codes: c), bh = hs.bits(Array(c.dropFirst()))
        #expect(bl < bh - 1, "LPC \(bl) vs histogram \(bh)")
        #expect(lpc.bits(codes: c, adaptive: true) < bh)
    }

    @Test func receptiveFieldArithmetic() {
        #expect(WaveNetConfig(layers: 10, stacks: 1).receptiveField == 1024)   // dilations 1 ... 512
        #expect(WaveNetConfig(layers: 10, stacks: 1).dilations.last == 512)
        #expect(WaveNetConfig(layers: 9, stacks: 1).receptiveField == 512)
        #expect(WaveNetConfig(layers: 9, stacks: 2).receptiveField == 1023)
        #expect(WaveNetConfig(layers: 4, stacks: 1, kernelSize: 3).receptiveField == 31)
        // The network's outputs depend on exactly that many inputs: perturbing input t changes outputs t ... t + RF - 1.
        let config = WaveNetConfig(classes: 1, residualChannels: 3, skipChannels: 4, layers: 3, stacks: 1)
        let model = WaveNet(config, seed: 2)
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.normal([1, 1, 30], rng: &rng)
        var y = x.scalars; y[10] += 1
        let a = model(Variable(x)).value.scalars, b = model(Variable(Tensor(shape: [1, 1, 30], scalars: y))).value.scalars
        let changed = (0..<30).filter { abs(a[$0] - b[$0]) > 1e-7 }
        #expect(changed.first == 10 && changed.last! <= 10 + config.receptiveField - 1)
    }

    @Test func windowsPairInputsWithNextTargets() throws {
        let codes: [Float] = (0..<50).map { Float($0 % 7) }
        let w = try SequenceWindows(sequences: [codes], window: 8, classes: 7)
        var rng = SeededGenerator(seed: 1)
        let b = w.batch([0, 3], rng: &rng)
        #expect(b.input.shape == [2, 7, 8] && b.labels!.count == 16)
        let x = b.input.scalars
        for n in 0..<2 {
            for t in 0..<8 {
                let code = (0..<7).first { x[(n * 7 + $0) * 8 + t] == 1 }!
                #expect(b.labels![n * 8 + t] == (code + 1) % 7)
            }
        }
        // Regression windows: the target is the scaled increment.
        let s = try SequenceWindows(sequences: [(0..<20).map { Float($0 * $0) }], window: 4, classes: 0, stepScale: 2)
        let r = s.batch([1], rng: &rng)
        let xi = r.input.scalars, ti = r.target.scalars
        for t in 0..<4 { #expect(ti[t] == ((xi[t].squareRoot() + 1) * (xi[t].squareRoot() + 1) - xi[t]) / 2) }
        #expect(throws: TaskError.self) { try SequenceWindows(sequences: [[1, 2, 3]], window: 8, classes: 0) }
    }

    @Test func syllableCorpusAndTokensFromAVoiceTree() throws {
        let dir = NSTemporaryDirectory() + "syl-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (i, v) in ["va", "vb", "vc", "vd"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(v)", withIntermediateDirectories: true)
            for (k, s) in ["ba", "da", "ga"].enumerated() {
                let f = 200.0 + 50 * Double(i + k)
                let x = (0..<4480).map { t in t < 960 ? Float(0) : Float(0.3 * sin(2 * .pi * f * Double(t) / 16000)) }
                try WAV.write(x, sampleRate: 16000, to: "\(dir)/\(v)/\(s)-x.wav")
            }
            try WAV.write([0, 0.1], sampleRate: 16000, to: "\(dir)/\(v)/readme.wav")   // not b/d/g: skipped
        }
        var notes = [String]()
        let clips = try SyllableCorpus.load(dir, rate: 16000, note: { notes.append($0) })
        #expect(clips.count == 12 && clips.map(\.label).filter { $0 == 1 }.count == 4)
        #expect(notes.contains { $0.contains("skipped 4") })
        let split = try SyllableCorpus.split(clips.map(\.voice), test: nil, validation: [])
        #expect(split.test == ["vd"] && split.train == ["va", "vb", "vc"])
        #expect(throws: TaskError.self) { try SyllableCorpus.split(["a"], test: ["zz"], validation: nil) }
        // Shell patterns hold out a whole synthesiser; a pattern that names no voice is an error, not an empty set.
        let voices = ["en-us+m1", "festival-hts-slt+p0", "festival-hts-ona+p1", "festival-diphone-kal+p0", "en-gb+f2"]
        let loso = try SyllableCorpus.split(voices, test: ["festival-hts-*"], validation: ["en-g?+*"])
        #expect(loso.test == ["festival-hts-ona+p1", "festival-hts-slt+p0"] && loso.validation == ["en-gb+f2"])
        #expect(loso.train == ["en-us+m1", "festival-diphone-kal+p0"])
        #expect(try SyllableCorpus.select(["en-us+m1", "en-*"], from: voices) == ["en-gb+f2", "en-us+m1"])
        #expect(throws: TaskError.self) { try SyllableCorpus.select(["flite-*"], from: voices) }
        // Validation patterns choose among the voices not held out.
        #expect(throws: TaskError.self) { try SyllableCorpus.split(voices, test: ["festival-*"], validation: ["festival-hts-*"]) }
        let f = SpeechFeatures()
        let tokens = SyllableTokens(clips: clips, shifts: [-1, 0, 1], features: f,
                                    norm: FeatureNormalization(mean: .init(repeating: 0, count: 16), std: .init(repeating: 1, count: 16)),
                                    noiseFraction: 0.5)
        var rng = SeededGenerator(seed: 0)
        let b = tokens.batch([0, 5, 35], rng: &rng)
        #expect(tokens.sampleCount == 36 && b.input.shape == [3, 16, 15] && b.labels == [0, 1, 2])
        #expect(TDNN()(Variable(b.input)).shape == [3, 3])
    }

    @Test func seriesTrainEvaluateRoundTrip() throws {
        // A noisy sine as a NetCDF series: a tiny WaveNet trains, the checkpoint evaluates on the final 20 %.
        let dir = NSTemporaryDirectory() + "seq-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SeededGenerator(seed: 4)
        let n = 3000
        let values = (0..<n).map { Float(sin(Double($0) * 0.07)) + 0.01 * rng.nextNormal() }
        let w = try NetCDFWriter(path: dir + "/s.nc")
        try w.defineDimension("time", length: n)
        try w.defineVariable(NCVariableDefinition(name: "sig", dimensions: ["time"], units: "V"))
        try w.write("sig", Tensor(shape: [n], scalars: values))
        try w.finish()
        var r = SequenceTrainRequest(inputs: [dir + "/s.nc:sig"], output: dir + "/m.h5")
        r.window = 200; r.residualChannels = 4; r.skipChannels = 4; r.layers = 4
        r.run.options.epochs = 2; r.run.options.stepsPerEpoch = 5; r.run.options.batchSize = 2; r.run.quiet = true; r.lpcOrder = 4
        let report = try SequenceTraining.run(r)
        #expect(report.mode == .series && report.receptiveField == 16 && report.trainSamples == 2100)
        let e = try SequenceEvaluating.run(SequenceEvaluateRequest(model: dir + "/m.h5"))
        #expect(e.metric == "rmse" && e.testRange == [2400, 3000] && e.units == "V")
        #expect(e.scores["persistence"]! > 0 && e.scores["wavenet"]!.isFinite && e.scores["ar4"]! < e.scores["persistence"]!)
        // A second run refuses to overwrite, and generate refuses a series model.
        #expect(throws: TaskError.self) { try SequenceTraining.run(r) }
        #expect(throws: TaskError.self) {
            try SequenceGenerating.run(model: dir + "/m.h5", seconds: 1, output: OutputSettings(path: dir + "/g.wav", history: "test"), seed: 0, temperature: 1)
        }
    }
}
