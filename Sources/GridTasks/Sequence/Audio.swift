// Audio in for the sequence tasks: WAV files (GridIO.WAV) brought to the task's sample rate. A file at another rate
// is resampled with a Kaiser-windowed sinc (anti-alias low-pass at 0.97 x the lower Nyquist, 16 zero crossings,
// beta 8.6) and a note says so on stderr; a multi-channel file is refused unless mixing down was asked for.
import Foundation
import GridTensor
import GridIO

enum AudioLoader {
    /// Mono samples of `path` at `rate`; `note` receives one line when the file had to be resampled or mixed down.
    static func load(_ path: String, rate: Int, mixDown: Bool = false, note: (String) -> Void = { _ in }) throws -> [Float] {
        let wav = try WAV.read(path, mixDown: mixDown)
        if wav.channels > 1 { note("\(path): mixed \(wav.channels) channels down to mono") }
        guard wav.sampleRate != rate else { return wav.samples }
        note("\(path): resampling \(wav.sampleRate) Hz -> \(rate) Hz (windowed sinc)")
        return Resampler.resample(wav.samples, from: wav.sampleRate, to: rate)
    }

    /// The WAV files named: files as given, directories searched recursively for *.wav (sorted).
    static func wavFiles(_ inputs: [String]) throws -> [String] {
        var out = [String]()
        for p in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw TaskError("\(p): no such file or directory") }
            if isDir.boolValue {
                let found = (FileManager.default.enumerator(atPath: p)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.lowercased().hasSuffix(".wav") }.sorted().map { (p as NSString).appendingPathComponent($0) }
                guard !found.isEmpty else { throw TaskError("\(p): no .wav files in this directory") }
                out += found
            } else { out.append(p) }
        }
        return out
    }

    /// x plus white Gaussian noise at `snrDB` relative to the mean power of x (the whole clip).
    static func addWhiteNoise(_ x: [Float], snrDB: Double, rng: inout SeededGenerator) -> [Float] {
        let power = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(x.count, 1))
        let sigma = Float((power / pow(10, snrDB / 10)).squareRoot())
        return x.map { $0 + sigma * rng.nextNormal() }
    }
}

/// Band-limited resampling by a Kaiser-windowed sinc, evaluated directly at each output instant.
enum Resampler {
    static let zeroCrossings = 16
    static let beta = 8.6

    static func resample(_ x: [Float], from inRate: Int, to outRate: Int) -> [Float] {
        precondition(inRate > 0 && outRate > 0, "resample: rates must be positive (\(inRate) -> \(outRate))")
        guard inRate != outRate, !x.isEmpty else { return x }
        let ratio = Double(outRate) / Double(inRate)
        let cutoff = min(1, ratio) * 0.97                 // of the input Nyquist
        let half = Double(zeroCrossings) / cutoff          // window half-length in input samples
        let count = Int((Double(x.count) * ratio).rounded())
        // The Kaiser window tabulated over |u| in [0, 1] (linear interpolation between 4096 steps).
        let steps = 4096, i0b = besselI0(beta)
        let table = (0...steps + 1).map { i -> Double in
            let u = min(1, Double(i) / Double(steps))
            return besselI0(beta * max(0, 1 - u * u).squareRoot()) / i0b
        }
        var y = [Float](repeating: 0, count: count)
        for n in 0..<count {
            let t = Double(n) / ratio
            let lo = max(0, Int((t - half).rounded(.up))), hi = min(x.count - 1, Int((t + half).rounded(.down)))
            guard lo <= hi else { continue }
            var acc = 0.0
            for k in lo...hi {
                let d = t - Double(k)
                let pos = min(abs(d) / half, 1) * Double(steps)
                let j = Int(pos), frac = pos - Double(j)
                let w = table[j] + (table[j + 1] - table[j]) * frac
                let arg = Double.pi * cutoff * d
                let s = abs(arg) < 1e-9 ? 1 : sin(arg) / arg
                acc += Double(x[k]) * cutoff * s * w
            }
            y[n] = Float(acc)
        }
        return y
    }

    /// Modified Bessel function of the first kind, order 0 (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let q = x * x / 4
        while term > 1e-12 * sum { term *= q / (k * k); sum += term; k += 1 }
        return sum
    }
}
