// The audio WaveNet's training options: level augmentation of the training windows and the monitored held-out
// files scored after every epoch (reported, never used to choose the epoch).
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

@Suite struct WaveNetTrainingTests {
    @Test func augmentationWithoutChangeIsPlainMuLaw() {
        let x: [Float] = (0..<400).map { 0.6 * sin(Float($0) * 0.07) * Float($0 % 50) / 50 }
        var rng = SeededGenerator(seed: 1)
        let codes = AudioAugmentation(gainDB: 0, noiseDB: nil).codes(x[...], mu: 255, rng: &rng)
        #expect(codes == x.map { MuLaw.encode($0, mu: 255) })
    }

    @Test func augmentationLowersTheLevelWithinItsRange() {
        let x = [Float](repeating: 0.5, count: 200)
        var rng = SeededGenerator(seed: 2)
        var levels = [Float]()
        for _ in 0..<50 {
            let c = AudioAugmentation(gainDB: 40, noiseDB: nil).codes(x[...], mu: 255, rng: &rng)
            #expect(Set(c).count == 1)                      // one gain per window
            levels.append(MuLaw.decode(c[0]))
        }
        // 0.5 scaled by 0 to -40 dB: between 0.005 and 0.5 (up to a mu-law cell), spread over the range.
        #expect(levels.allSatisfy { $0 > 0.0045 && $0 < 0.51 } && levels.min()! < 0.02 && levels.max()! > 0.2)
        // With noise on, about half the windows of silence are no longer silent.
        let silence = [Float](repeating: 0, count: 100)
        let noisy = (0..<200).filter { _ in Set(AudioAugmentation(gainDB: 0, noiseDB: -20).codes(silence[...], mu: 255, rng: &rng)).count > 1 }.count
        #expect(noisy > 70 && noisy < 130)
    }

    @Test func monitoredFilesAreScoredEachEpochButDoNotPickIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-wn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: 4)
        for name in ["a", "b", "held"] {
            var y: Float = 0
            let x: [Float] = (0..<6000).map { _ in y = 0.9 * y + 0.05 * rng.nextNormal(); return y }
            try WAV.write(x, sampleRate: 16000, to: "\(dir)/\(name).wav")
        }
        var r = SequenceTrainRequest(inputs: ["\(dir)/a.wav", "\(dir)/b.wav"], output: "\(dir)/m.h5")
        r.layers = 3; r.residualChannels = 4; r.skipChannels = 8; r.window = 500; r.monitor = ["\(dir)/held.wav"]
        r.run.options.epochs = 3; r.run.options.stepsPerEpoch = 2; r.run.quiet = true
        let rep = try SequenceTraining.run(r)
        let curve = try #require(rep.monitorCurve)
        #expect(curve.map { $0[0] } == [2, 4, 6])
        // The last epoch's monitored score is the last model's bits on the held file.
        let m = try SequenceModel(checkpoint: "\(dir)/m.h5")
        let held = try SequenceInputs.loadAudio(["\(dir)/held.wav"], rate: 16000, mu: 255, mixDown: false) { _ in }.map(\.codes)
        #expect(rep.monitorBaselines == AudioScoring.baselines(held, spec: m.spec))
        #expect(curve.contains { abs($0[1] - AudioScoring.wavenetBits(m.model, held)) < 1e-9 })
        // Validation (file b) picked the epoch, not the monitored file.
        #expect(rep.bestValidation == rep.training.bestValidationScore)
    }
}
