// The syllable models' data contract: recorded at training, resampled clips named as an adaptation, clips unlike
// the training voices warned about, old checkpoints without one.
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

@Suite struct SyllableContractTests {
    /// DIR/<voice>/<b|d|g>a-x.wav: tones after a silent gap (or noise bursts), at `rate`.
    static func corpus(_ dir: String, voices: [String], rate: Int = 16000, noise: Bool = false) throws {
        var rng = SeededGenerator(seed: 4)
        for (i, v) in voices.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(v)", withIntermediateDirectories: true)
            for (k, s) in ["ba", "da", "ga"].enumerated() {
                let f = 200.0 + 150 * Double(k) + 10 * Double(i)
                let n = 4480 * rate / 16000, gap = 960 * rate / 16000
                let x = (0..<n).map { t -> Float in
                    guard t >= gap else { return 0 }
                    return noise ? 0.3 * (rng.nextUniform() * 2 - 1) : Float(0.3 * sin(2 * .pi * f * Double(t) / Double(rate)))
                }
                try WAV.write(x, sampleRate: rate, to: "\(dir)/\(v)/\(s)-x.wav")
            }
        }
    }

    @Test func contractIsRecordedAndCheckedAtEvaluation() throws {
        let dir = NSTemporaryDirectory() + "sylc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let voices = ["va", "vb", "vc", "vd", "ve", "vf", "vg", "vh"]
        try Self.corpus("\(dir)/corpus", voices: voices)
        var r = SyllableTrainRequest(data: "\(dir)/corpus", output: "\(dir)/tdnn.h5")
        r.run.options.epochs = 2; r.run.quiet = true
        _ = try SyllableTraining.run(r)
        let spec = try Checkpoint.load("\(dir)/tdnn.h5").spec(SyllableSpec.self)
        let c = try #require(spec.dataContract)
        #expect(c.channels.count == 16 && c.imageShape == [16, 15] && c.meanImage?.count == 240)
        #expect(c.variables.first?.units.contains("16000 Hz") == true)

        var e = SyllableEvaluateRequest(model: "\(dir)/tdnn.h5", data: "\(dir)/corpus")
        e.snrs = [nil]; e.quiet = true
        let same = try SyllableEvaluating.run(e)
        #expect(same.contract!.warnings.isEmpty && same.contract!.meanImageCorrelation! > 0.95)

        // The same voices at 8 kHz: resampled, named as an adaptation.
        try Self.corpus("\(dir)/low", voices: voices, rate: 8000)
        e.data = "\(dir)/low"
        let low = try SyllableEvaluating.run(e)
        #expect(low.contract!.adaptations.contains { $0.contains("resampled") && $0.contains("16000 Hz") })
        // Noise bursts instead of voiced syllables: far from training, warned about.
        try Self.corpus("\(dir)/noise", voices: voices, noise: true)
        e.data = "\(dir)/noise"
        let foreign = try SyllableEvaluating.run(e)
        #expect(!foreign.contract!.warnings.isEmpty)
        #expect(SyllableEvaluating.table(foreign).contains("warning: "))

        // An old checkpoint: evaluated, the comparison skipped and named.
        var ck = try Checkpoint.load("\(dir)/tdnn.h5")
        var old = spec
        old.dataContract = nil
        ck.taskSpec = try jsonString(old)
        try ck.save(to: "\(dir)/old.h5")
        e.model = "\(dir)/old.h5"; e.data = "\(dir)/corpus"
        #expect(try SyllableEvaluating.run(e).contract!.skipped.first?.contains("no data contract") == true)
    }
}
