import Testing
import Foundation
import GridTensor
@testable import GridTasks

/// FFT, mel filterbank, speech tokens and resampling against values worked out by hand.
@Suite struct SequenceFeatureTests {
    @Test func fftOfFourPointsByHand() {
        // DFT of [1, 2, 3, 4]: [10, -2+2i, -2, -2-2i].
        var re: [Double] = [1, 2, 3, 4], im: [Double] = [0, 0, 0, 0]
        FFT.transform(&re, &im)
        let expected: [(Double, Double)] = [(10, 0), (-2, 2), (-2, 0), (-2, -2)]
        for k in 0..<4 { #expect(abs(re[k] - expected[k].0) < 1e-12 && abs(im[k] - expected[k].1) < 1e-12) }
        FFT.transform(&re, &im, inverse: true)
        #expect(zip(re, [1.0, 2, 3, 4]).allSatisfy { abs($0 - $1) < 1e-12 } && im.allSatisfy { abs($0) < 1e-12 })
    }

    @Test func pureToneLandsInItsBin() {
        // 1 kHz at 16 kHz with a 512-point FFT: bin 1000 / (16000 / 512) = 32 exactly.
        let x = (0..<512).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 16000)) }
        let p = FFT.powerSpectrum(x, size: 512)
        #expect(p.count == 257)
        #expect(p.indices.max { p[$0] < p[$1] } == 32)
        #expect(abs(p[32] - 256 * 256) < 0.01)          // (N/2)^2 for a unit sine on a bin
        #expect(p.enumerated().filter { $0.offset != 32 }.allSatisfy { $0.element < 1e-6 })
    }

    @Test func parseval() {
        var rng = SeededGenerator(seed: 3)
        let x = (0..<256).map { _ in Double(rng.nextNormal()) }
        var re = x, im = [Double](repeating: 0, count: 256)
        FFT.transform(&re, &im)
        let time = x.reduce(0) { $0 + $1 * $1 }
        let freq = zip(re, im).reduce(0) { $0 + $1.0 * $1.0 + $1.1 * $1.1 } / 256
        #expect(abs(time - freq) < 1e-9 * time)
    }

    @Test func melScaleAndFilterbankByHand() {
        #expect(abs(MelFilterbank.mel(1000) - 999.9855) < 1e-3)
        #expect(abs(MelFilterbank.hz(MelFilterbank.mel(3210)) - 3210) < 1e-9)
        let fb = MelFilterbank(bands: 16, fftSize: 512, sampleRate: 16000)
        // 18 edges equally spaced on 0 ... mel(8000) = 2840.023: band 0 peaks at 111.850 Hz, band 15 at 6801.386 Hz.
        #expect(abs(fb.centersHz[0] - 111.850) < 1e-3 && abs(fb.centersHz[1] - 241.572) < 1e-3)
        #expect(abs(fb.centersHz[15] - 6801.386) < 1e-3)
        // Band 0 at bin 2 (62.5 Hz) is on its rising edge: 62.5 / 111.850.
        #expect(abs(fb.weights[0][2] - 0.558784) < 1e-5)
        #expect(fb.weights[0][0] == 0 && fb.weights.allSatisfy { $0.max()! <= 1 && $0.max()! > 0.5 })
        // Adjacent triangles cross: between the first and last centre (bins 4 ... 217) the weights sum to 1.
        for k in 4...217 { #expect(abs(fb.weights.reduce(0) { $0 + $1[k] } - 1) < 1e-9) }
    }

    @Test func tokenIsSixteenByFifteenAroundTheOnset() {
        // 100 ms of silence, then a 300 Hz buzz with harmonics for 200 ms.
        let x = (0..<4800).map { i -> Float in
            guard i >= 1600 else { return 0 }
            let t = Double(i) / 16000
            return Float(0.3 * sin(2 * .pi * 300 * t) + 0.2 * sin(2 * .pi * 600 * t) + 0.1 * sin(2 * .pi * 2400 * t))
        }
        let f = SpeechFeatures()
        #expect(f.config.windowLength == 400 && f.config.hopLength == 160)
        let (tok, onset) = f.token(x)
        #expect(tok.shape == [16, 15])
        // Frame k covers samples 160k ..< 160k + 400; the sound starts at 1600, so frame 8 (1280-1680) is the first
        // with some of it and frame 10 the first full one: the onset is found between them.
        #expect((8...10).contains(onset), "onset \(onset)")
        let v = tok.scalars
        #expect(v.allSatisfy { $0 >= -1 - 1e-5 && $0 <= 1 + 1e-5 } && v.contains { abs(abs($0) - 1) < 1e-5 })
        // Per-token scaling removes the level: with no silent frame (and no floor) a louder copy gives the same token.
        var c = SpeechFeatureConfig(); c.powerFloor = 1e-20
        let g = SpeechFeatures(c)
        let quietStart = x.enumerated().map { $0.offset < 1600 ? Float(0.01 * sin(Double($0.offset) * 0.3)) : $0.element }
        let t1 = g.token(quietStart).features.scalars, t2 = g.token(quietStart.map { $0 * 2 }).features.scalars
        #expect(zip(t1, t2).allSatisfy { abs($0 - $1) < 1e-4 })
        // Too short a clip still gives a full token (edge frames repeated).
        #expect(f.token(Array(x[1500..<2200])).features.shape == [16, 15])
    }

    @Test func normalisationPerCoefficient() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 10, 10, 10]), b = Tensor(shape: [2, 3], scalars: [3, 4, 5, 20, 20, 20])
        let n = FeatureNormalization.fit([a, b])
        #expect(n.mean == [3, 15])
        // Band 0 holds 1, 2, 3, 3, 4, 5: variance 10 / 6.
        #expect(abs(n.std[0] - Float((10.0 / 6).squareRoot())) < 1e-5 && abs(n.std[1] - 5) < 1e-5)
        #expect(n.apply(b).scalars[4] == 1)
    }

    @Test func resamplingKeepsTheBandAndRemovesAliases() {
        let tone = { (hz: Double, rate: Double, n: Int) in (0..<n).map { Float(sin(2 * Double.pi * hz * Double($0) / rate)) } }
        let y = Resampler.resample(tone(1000, 48000, 4800), from: 48000, to: 16000)
        #expect(y.count == 1600)
        let ref = tone(1000, 16000, 1600)
        let err = zip(y[200..<1400], ref[200..<1400]).map { abs($0 - $1) }.max()!
        #expect(err < 0.01, "1 kHz passes: worst error \(err)")
        // 10 kHz is above the new Nyquist (8 kHz): the anti-alias filter removes it.
        let alias = Resampler.resample(tone(10000, 48000, 4800), from: 48000, to: 16000)
        #expect(alias[200..<1400].map { abs($0) }.max()! < 0.01)
        // Upsampling 8 -> 16 kHz keeps a 1 kHz tone.
        let up = Resampler.resample(tone(1000, 8000, 800), from: 8000, to: 16000)
        #expect(zip(up[200..<1400], ref[200..<1400]).map { abs($0 - $1) }.max()! < 0.01)
    }

    @Test func whiteNoiseHasTheAskedSNR() {
        var rng = SeededGenerator(seed: 1)
        let x = (0..<20000).map { Float(0.5 * sin(Double($0) * 0.1)) }
        let y = AudioLoader.addWhiteNoise(x, snrDB: 10, rng: &rng)
        let ps = x.reduce(0.0) { $0 + Double($1 * $1) }, pn = zip(y, x).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        #expect(abs(10 * log10(ps / pn) - 10) < 0.2)
    }
}
