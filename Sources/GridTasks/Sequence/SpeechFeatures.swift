// The TDNN's input, after Waibel et al. (1989): pre-emphasis (0.97), 25 ms Hamming windows every 10 ms, FFT power
// spectrum, 16 triangular mel bands (HTK mel scale 2595 log10(1 + f/700)), log of (band power + a floor about 70 dB
// below a full-scale tone, so digital silence does not dominate). The onset is the first frame where the smoothed
// 100-1000 Hz energy comes within 12 dB of its maximum (voicing after the release; white noise is weak in that band,
// so the frame stays put down to about 5 dB SNR); 15 frames starting `framesBeforeOnset` before it form one token,
// [16 bands, 15 frames], edge frames repeated where the clip is too short, scaled per token to [-1, 1] about its
// mean as Waibel did (so an overall level change, e.g. from noise, shifts nothing).
import Foundation
import GridTensor

/// How a syllable clip becomes the TDNN's input token (after Waibel et al. 1989): log mel band energies of the frames
/// around the voicing onset. Stored in `SyllableSpec.features`, so applying repeats it exactly.
public struct SpeechFeatureConfig: Codable, Equatable, Sendable {
    /// Sample rate (Hz) clips are brought to before analysis (default 16000).
    public var sampleRate = 16000
    /// Pre-emphasis coefficient: x[t] - 0.97 x[t - 1] (default 0.97).
    public var preEmphasis: Float = 0.97
    /// Hamming window length (ms; default 25).
    public var windowMs = 25.0
    /// Frame step (ms; default 10).
    public var hopMs = 10.0
    /// FFT length (samples; default 512).
    public var fftSize = 512
    /// Triangular mel bands (HTK mel scale; default 16).
    public var bands = 16
    /// Lower edge of the lowest band (Hz; default 0).
    public var lowHz = 0.0
    /// nil: half the sample rate.
    public var highHz: Double? = nil
    /// Frames per token (default 15).
    public var frames = 15
    /// Frames of the token before the onset frame (default 5).
    public var framesBeforeOnset = 5
    /// Added to each band's power before the log.
    public var powerFloor = 1e-3
    /// Band of the onset detector (Hz) and how far below the band's peak energy the onset lies (dB).
    public var onsetBandHz = [100.0, 1000.0]
    /// The onset is the first frame within this many dB of the band energy's peak (default 12).
    public var onsetBelowPeakDB = 12.0
    /// Waibel's per-token scaling: subtract the token's mean, divide by its largest magnitude (values in [-1, 1]).
    public var tokenScaling = true
    /// Waibel's settings: 16 bands, 15 frames of 10 ms, 25 ms windows, 16 kHz.
    public init() {}

    var windowLength: Int { Int((Double(sampleRate) * windowMs / 1000).rounded()) }
    var hopLength: Int { Int((Double(sampleRate) * hopMs / 1000).rounded()) }
}

/// Triangular filters equally spaced on the mel scale; weights [bands][fftSize/2 + 1].
struct MelFilterbank: Sendable {
    let weights: [[Double]]
    let centersHz: [Double]

    static func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
    static func hz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }

    init(bands: Int, fftSize: Int, sampleRate: Int, lowHz: Double = 0, highHz: Double? = nil) {
        let hi = highHz ?? Double(sampleRate) / 2
        let (m0, m1) = (Self.mel(lowHz), Self.mel(hi))
        let edges = (0...(bands + 1)).map { Self.hz(m0 + (m1 - m0) * Double($0) / Double(bands + 1)) }
        centersHz = Array(edges[1...bands])
        let bins = fftSize / 2 + 1
        weights = (0..<bands).map { b in
            let (l, c, r) = (edges[b], edges[b + 1], edges[b + 2])
            return (0..<bins).map { k in
                let f = Double(k) * Double(sampleRate) / Double(fftSize)
                return max(0, min((f - l) / (c - l), (r - f) / (r - c)))
            }
        }
    }

    func apply(_ power: [Double]) -> [Double] {
        weights.map { w in zip(w, power).reduce(0) { $0 + $1.0 * $1.1 } }
    }
}

/// Frames, log-mel spectra, onset and token extraction for one configuration.
struct SpeechFeatures: Sendable {
    let config: SpeechFeatureConfig
    let filterbank: MelFilterbank
    let hamming: [Float]

    init(_ config: SpeechFeatureConfig = SpeechFeatureConfig()) {
        self.config = config
        filterbank = MelFilterbank(bands: config.bands, fftSize: config.fftSize, sampleRate: config.sampleRate,
                                   lowHz: config.lowHz, highHz: config.highHz)
        let n = config.windowLength
        hamming = (0..<n).map { Float(0.54 - 0.46 * cos(2 * Double.pi * Double($0) / Double(max(n - 1, 1)))) }
    }

    /// FFT bins inside the onset band.
    var onsetBins: [Int] {
        let hz = Double(config.sampleRate) / Double(config.fftSize)
        return (0...(config.fftSize / 2)).filter { Double($0) * hz >= config.onsetBandHz[0] && Double($0) * hz <= config.onsetBandHz[1] }
    }

    /// Log-mel spectra [frames][bands] and log onset-band energy of a clip (at config.sampleRate).
    func logMel(_ x: [Float]) -> (mel: [[Float]], energy: [Double]) {
        let n = config.windowLength, hop = config.hopLength
        var y = x
        if !x.isEmpty { for i in stride(from: x.count - 1, to: 0, by: -1) { y[i] = x[i] - config.preEmphasis * x[i - 1] } }
        if y.count < n { y += [Float](repeating: 0, count: n - y.count) }
        let count = 1 + (y.count - n) / hop
        var mel = [[Float]](), energy = [Double]()
        let bins = onsetBins
        for f in 0..<count {
            let frame = (0..<n).map { y[f * hop + $0] * hamming[$0] }
            let power = FFT.powerSpectrum(frame, size: config.fftSize)
            energy.append(log(bins.reduce(0.0) { $0 + power[$1] } + 1e-10))
            mel.append(filterbank.apply(power).map { Float(log($0 + config.powerFloor)) })
        }
        return (mel, energy)
    }

    /// The first frame whose 3-frame smoothed onset-band log energy is within `onsetBelowPeakDB` of the clip's maximum.
    func onsetFrame(_ energy: [Double]) -> Int {
        let t = energy.count
        guard t > 0 else { return 0 }
        var s = [Double](repeating: 0, count: t)
        for i in 0..<t {
            let lo = max(0, i - 1), hi = min(t - 1, i + 1)
            var acc = 0.0
            for j in lo...hi { acc += energy[j] }
            s[i] = acc / Double(hi - lo + 1)
        }
        let threshold = s.max()! - config.onsetBelowPeakDB / 10 * log(10.0)
        return s.firstIndex { $0 >= threshold } ?? 0
    }

    /// One token [bands, frames] around the onset (plus `shift` frames), unnormalised; also the onset frame.
    func token(_ x: [Float], shift: Int = 0) -> (features: Tensor, onset: Int) {
        let (mel, energy) = logMel(x)
        let onset = onsetFrame(energy)
        let start = onset - config.framesBeforeOnset + shift
        var out = [Float](repeating: 0, count: config.bands * config.frames)
        for f in 0..<config.frames {
            let src = mel[min(max(start + f, 0), mel.count - 1)]
            for b in 0..<config.bands { out[b * config.frames + f] = src[b] }
        }
        if config.tokenScaling {
            let mean = out.reduce(0, +) / Float(out.count)
            let peak = max(out.map { abs($0 - mean) }.max() ?? 1, 1e-6)
            for i in out.indices { out[i] = (out[i] - mean) / peak }
        }
        return (Tensor(shape: [config.bands, config.frames], scalars: out), onset)
    }
}

/// Per-coefficient (per mel band) standardisation, fitted on training tokens and stored in the checkpoint.
public struct FeatureNormalization: Codable, Equatable, Sendable {
    /// Training mean per band, over all frames of the training tokens (as `SpeechFeatureConfig` makes them).
    public var mean: [Float]
    /// Training standard deviation per band.
    public var std: [Float]

    /// tokens: [bands, frames] each; statistics over all frames of all tokens.
    static func fit(_ tokens: [Tensor]) -> FeatureNormalization {
        let bands = tokens.first?.shape[0] ?? 0
        var s = [Double](repeating: 0, count: bands), s2 = s, n = 0.0
        for t in tokens {
            let v = t.contiguous().scalars, frames = t.shape[1]
            for b in 0..<bands { for f in 0..<frames { let x = Double(v[b * frames + f]); s[b] += x; s2[b] += x * x } }
            n += Double(frames)
        }
        let mean = s.map { $0 / max(n, 1) }
        let std = zip(s2, mean).map { max(($0 / max(n, 1) - $1 * $1).squareRoot(), 1e-3) }
        return FeatureNormalization(mean: mean.map(Float.init), std: std.map(Float.init))
    }

    func apply(_ t: Tensor) -> Tensor {
        let frames = t.shape[1]
        var v = t.contiguous().scalars
        for b in 0..<mean.count { for f in 0..<frames { v[b * frames + f] = (v[b * frames + f] - mean[b]) / std[b] } }
        return Tensor(shape: t.shape, scalars: v)
    }
}
