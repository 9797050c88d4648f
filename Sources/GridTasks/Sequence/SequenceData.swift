// Data for `gridcnn train sequence`: either audio (WAV files at one sample rate, mu-law coded, next-sample
// classification over 256 levels) or a 1-D time series from a NetCDF variable (standardised, next-step
// regression of the increment x[t+1] - x[t], so that predicting 0 is persistence). Windows are drawn at random
// offsets inside whole files, never across a file boundary.
import Foundation
import GridTensor
import GridIO
import GridTrain

/// What a sequence model predicts: `audio` (the next mu-law code of WAV audio, 256 classes) or `series` (the next
/// increment of a standardised 1-D NetCDF time series).
public enum SequenceMode: String, Codable, Sendable { case audio, series }

/// What a sequence checkpoint records besides the WaveNet's weights.
/// Read by `gridcnn info` and every sequence job.
public struct SequenceSpec: Codable, Sendable {
    /// Audio or series.
    public var mode: SequenceMode
    /// Training window length (samples or steps).
    public var window: Int
    /// The WaveNet's receptive field (samples or steps): the context each prediction sees.
    public var receptiveField: Int
    // audio
    /// Audio: sample rate (Hz) every input is resampled to.
    public var sampleRate: Int?
    /// Audio: mu of the mu-law coding (255: 256 levels).
    public var mu: Int?
    /// Audio: the training files.
    public var trainFiles: [String]?
    /// Audio: the files held out for validation.
    public var validationFiles: [String]?
    /// Audio: the unigram baseline of the training codes.
    public var histogram: CodeHistogram?
    // series
    /// Series: the NetCDF file trained on.
    public var seriesPath: String?
    /// Series: the variable trained on.
    public var variable: String?
    /// Series: its units.
    public var units: String?
    /// Series: the standardisation of the values (variable units).
    public var norm: Standardization?
    /// Standard deviation of the standardised increments: the network's output unit.
    public var stepScale: Float?
    /// Index ranges [start, end) of the series.
    public var trainRange: [Int]?
    /// Series: [start, end) of the validation steps.
    public var validationRange: [Int]?
    /// Series: [start, end) of the held-out test steps (the end of the series).
    public var testRange: [Int]?
    // both
    /// The linear-prediction baseline fitted on the training data.
    public var lpc: LinearPredictor
    /// Audio: the level augmentation the WaveNet was trained with (nil: none).
    public var augmentation: AudioAugmentation?
}

/// Random level changes applied to each audio training window before mu-law coding, so that a model trained on
/// loud, clean synthetic speech also meets quiet speech and a recording's noise floor: a gain drawn uniformly in
/// [-gainDB, 0] dB and, on half the windows, white noise at an RMS drawn uniformly in [-90, noiseDB] dBFS.
public struct AudioAugmentation: Codable, Equatable, Sendable {
    /// The largest attenuation (dB).
    public var gainDB: Float
    /// The loudest noise RMS (dBFS); nil: no noise.
    public var noiseDB: Float?
    /// Gain in [-gainDB, 0] dB; noise up to noiseDB dBFS on half the windows.
    public init(gainDB: Float, noiseDB: Float?) { self.gainDB = gainDB; self.noiseDB = noiseDB }

    /// `x` (amplitudes) levelled by one draw, as mu-law codes.
    func codes(_ x: ArraySlice<Float>, mu: Int, rng: inout SeededGenerator) -> [Int] {
        let gain = Float(pow(10, Double(-gainDB * rng.nextUniform()) / 20))
        var noise: Float = 0
        if let top = noiseDB, rng.nextUniform() < 0.5 { noise = Float(pow(10, Double(-90 + (top + 90) * rng.nextUniform()) / 20)) }
        return x.map { v in MuLaw.encode(v * gain + (noise > 0 ? noise * rng.nextNormal() : 0), mu: mu) }
    }
}

enum SequenceInputs {
    /// True when the inputs name NetCDF files or Zarr stores (FILE.nc, STORE.zarr, with :VAR, or a #mode=zarr URL).
    static func isSeries(_ inputs: [String]) -> Bool {
        inputs.allSatisfy { s in
            let p = FieldLoader.splitSpec(s).path.lowercased()
            return p.hasSuffix(".nc") || p.hasSuffix(".nc4") || p.hasSuffix(".zarr") || p.hasSuffix(".zarr/") || p.contains("#mode=")
        }
    }

    /// A 1-D series: the variable (named, or the file's only one with more than one value) with singleton axes dropped.
    static func loadSeries(_ spec: String, variable: String?) throws -> (values: [Float], variable: String, units: String?, path: String) {
        let (path, v0) = FieldLoader.splitSpec(spec)
        let file = try NetCDFFile(path: path)
        let name: String
        if let n = variable ?? v0 { name = n } else {
            let candidates = file.variables.filter { $0.type.isNumeric && $0.shape.filter { $0 > 1 }.count == 1 && $0.dimensionNames != [$0.name] }
            guard candidates.count == 1 else {
                throw TaskError("\(path): name the series variable (\(path):NAME); 1-D variables: \(candidates.map(\.name).joined(separator: ", "))")
            }
            name = candidates[0].name
        }
        let v = try file.variable(name)
        guard v.shape.filter({ $0 > 1 }).count == 1 else {
            throw TaskError("\(path): '\(name)' has shape \(v.shape); a time series needs exactly one axis longer than 1")
        }
        let x = try file.read(name).scalars
        let missing = x.filter { $0.isNaN }.count
        guard missing == 0 else { throw TaskError("\(path): '\(name)' has \(missing) missing values; fill or cut them first") }
        return (x, name, v.text("units"), path)
    }

    /// Audio files (or directories of them) at `rate`, as mu-law codes, one array per file.
    static func loadAudio(_ inputs: [String], rate: Int, mu: Int, mixDown: Bool, note: (String) -> Void) throws -> [(path: String, codes: [Int])] {
        try loadAudioSamples(inputs, rate: rate, mu: mu, mixDown: mixDown, note: note).map { ($0.path, $0.codes) }
    }

    /// As `loadAudio`, keeping the amplitudes too (for level augmentation).
    static func loadAudioSamples(_ inputs: [String], rate: Int, mu: Int, mixDown: Bool,
                                 note: (String) -> Void) throws -> [(path: String, samples: [Float], codes: [Int])] {
        try AudioLoader.wavFiles(inputs).map { p in
            let x = try AudioLoader.load(p, rate: rate, mixDown: mixDown, note: note)
            return (p, x, x.map { MuLaw.encode($0, mu: mu) })
        }
    }
}

/// Random windows of `window` inputs (and the next `window` targets) drawn from whole sequences.
final class SequenceWindows: BatchSource {
    let sequences: [[Float]]
    let window: Int
    /// 0 = regression on increments; otherwise one-hot of this many classes.
    let classes: Int
    let stepScale: Float
    /// Audio with augmentation: `sequences` hold amplitudes, coded per window after a random level change.
    let augmentation: AudioAugmentation?
    let chunks: [(seq: Int, start: Int)]

    init(sequences: [[Float]], window: Int, classes: Int, stepScale: Float = 1, augmentation: AudioAugmentation? = nil) throws {
        self.sequences = sequences; self.window = window; self.classes = classes; self.stepScale = stepScale
        self.augmentation = classes > 0 ? augmentation : nil
        var c = [(seq: Int, start: Int)]()
        for (i, s) in sequences.enumerated() where s.count > window {
            for start in stride(from: 0, to: s.count - window, by: window) { c.append((i, start)) }
        }
        guard !c.isEmpty else { throw TaskError("no training sequence is longer than the window (\(window) samples); use a smaller --window") }
        chunks = c
    }

    var sampleCount: Int { chunks.count }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        let n = indices.count, w = window
        var input = Tensor(zeros: classes > 0 ? [n, classes, w] : [n, 1, w])
        var target = [Float](repeating: 0, count: n * w), labels = [Int](repeating: 0, count: n * w)
        input.withUnsafeMutableBufferPointer { x in
            for (b, i) in indices.enumerated() {
                let (si, base) = chunks[i]
                let s = sequences[si]
                let start = min(base + Int(rng.next() % UInt64(w)), s.count - w - 1)
                let levelled = augmentation?.codes(s[start...(start + w)], mu: classes - 1, rng: &rng)
                for t in 0..<w {
                    if let c = levelled {
                        x[(b * classes + c[t]) * w + t] = 1
                        labels[b * w + t] = c[t + 1]
                    } else if classes > 0 {
                        x[(b * classes + Int(s[start + t])) * w + t] = 1
                        labels[b * w + t] = Int(s[start + t + 1])
                    } else {
                        x[b * w + t] = s[start + t]
                        target[b * w + t] = (s[start + t + 1] - s[start + t]) / stepScale
                    }
                }
            }
        }
        return Batch(input: input, target: Tensor(shape: [n, 1, w], scalars: target), labels: classes > 0 ? labels : nil)
    }
}
