// The b/d/g corpus: DIR/<voice>/<syllable>[-anything].wav, the class being the file name's first letter (b, d or
// g). Whole voices are held out for testing (and a few for validation), so scores measure generalisation to
// speakers never heard in training. Clips are brought to 16 kHz mono on loading.
import Foundation
import GridTensor
import GridTrain

struct SyllableClip: Sendable {
    var path: String
    var voice: String
    var label: Int
    var samples: [Float]
}

/// What a syllable checkpoint records besides the TDNN's weights.
/// Read by `gridcnn info` and the syllable jobs.
public struct SyllableSpec: Codable, Equatable, Sendable {
    /// Class names in output order ("b", "d", "g").
    public var consonants: [String]
    /// How clips become tokens.
    public var features: SpeechFeatureConfig
    /// Per-band standardisation of the tokens, fitted on the training voices.
    public var normalization: FeatureNormalization
    /// Voices (corpus subdirectories) trained on.
    public var trainVoices: [String]
    /// Voices held out for validation.
    public var validationVoices: [String]
    /// Voices held out for testing (the default of `gridcnn evaluate syllables`).
    public var testVoices: [String]
    /// The corpus directory trained on.
    public var data: String
    /// Onset shifts (frames) used as training augmentation.
    public var shifts: [Int]
    /// Fraction of training tokens given white noise at a random SNR in [0, 30] dB.
    public var noiseFraction: Double
    /// What the model was trained on (nil in checkpoints made before contracts).
    public var dataContract: DataContract? = nil
}

enum SyllableCorpus {
    static let consonants = ["b", "d", "g"]

    /// Every clip of the corpus directory, with its voice (subdirectory) and class (first letter of the file name).
    static func load(_ dir: String, rate: Int, note: (String) -> Void = { _ in }) throws -> [SyllableClip] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TaskError("\(dir): not a directory (expected DIR/<voice>/<syllable>.wav, e.g. datasets/speech/syllables)")
        }
        let voices = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().filter { v in
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(v), isDirectory: &d) && d.boolValue
        }
        var clips = [SyllableClip](), skipped = 0, resampled = 0
        for v in voices {
            let vdir = (dir as NSString).appendingPathComponent(v)
            for f in try FileManager.default.contentsOfDirectory(atPath: vdir).sorted() where f.lowercased().hasSuffix(".wav") {
                guard let label = consonants.firstIndex(of: String(f.prefix(1)).lowercased()) else { skipped += 1; continue }
                let path = (vdir as NSString).appendingPathComponent(f)
                let samples = try AudioLoader.load(path, rate: rate, note: { _ in resampled += 1 })
                clips.append(SyllableClip(path: path, voice: v, label: label, samples: samples))
            }
        }
        if resampled > 0 { note("\(dir): \(resampled) clip(s) resampled or mixed down to \(rate) Hz mono") }
        if skipped > 0 { note("\(dir): skipped \(skipped) .wav file(s) whose name does not start with b, d or g") }
        guard !clips.isEmpty else { throw TaskError("\(dir): no clips found (expected DIR/<voice>/<b|d|g>*.wav)") }
        return clips
    }

    /// The voices named by `patterns`: exact names, or shell patterns (`*`, `?`, `[...]`) such as `festival-hts-*` that
    /// hold out a whole synthesiser. Every pattern must name at least one voice (a typo is an error, not an empty set).
    static func select(_ patterns: [String], from voices: [String]) throws -> [String] {
        let all = Array(Set(voices)).sorted()
        var chosen = Set<String>()
        for p in patterns {
            let hits = all.filter { $0 == p || fnmatch(p, $0, 0) == 0 }
            guard !hits.isEmpty else {
                throw TaskError("voice '\(p)' is not in the corpus (voices: \(all.joined(separator: ", ")))")
            }
            chosen.formUnion(hits)
        }
        return all.filter { chosen.contains($0) }
    }

    /// Default split of the sorted voices: every 4th voice for testing, every 6th of the rest for validation.
    /// `test` and `validation` may hold shell patterns (see `select`).
    static func split(_ voices: [String], test: [String]?, validation: [String]?) throws -> (train: [String], validation: [String], test: [String]) {
        let all = Array(Set(voices)).sorted()
        let testSet = try test.map { try select($0, from: all) } ?? all.enumerated().filter { $0.offset % 4 == 3 }.map(\.element)
        let rest = all.filter { !testSet.contains($0) }
        let valSet = try validation.map { try select($0, from: rest) } ?? rest.enumerated().filter { $0.offset % 6 == 5 }.map(\.element)
        let train = rest.filter { !valSet.contains($0) }
        guard !train.isEmpty else { throw TaskError("no voices left for training (\(all.count) voices, \(testSet.count) test, \(valSet.count) validation)") }
        return (train, valSet, testSet)
    }
}

/// Tokens of the training clips: clean tokens at each onset shift are cached; a fraction get fresh noise per step.
final class SyllableTokens: BatchSource {
    let clips: [SyllableClip]
    let shifts: [Int]
    let features: SpeechFeatures
    let norm: FeatureNormalization
    let noiseFraction: Double
    var cache: [Tensor]

    init(clips: [SyllableClip], shifts: [Int], features: SpeechFeatures, norm: FeatureNormalization, noiseFraction: Double) {
        self.clips = clips; self.shifts = shifts; self.features = features; self.norm = norm; self.noiseFraction = noiseFraction
        cache = clips.flatMap { c in shifts.map { norm.apply(features.token(c.samples, shift: $0).features) } }
    }

    var sampleCount: Int { cache.count }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        var tokens = [Tensor](), labels = [Int]()
        for i in indices {
            let clip = clips[i / shifts.count]
            if noiseFraction > 0 && Double(rng.nextUniform()) < noiseFraction {
                let snr = Double(rng.nextUniform()) * 30
                let noisy = AudioLoader.addWhiteNoise(clip.samples, snrDB: snr, rng: &rng)
                tokens.append(norm.apply(features.token(noisy, shift: shifts[i % shifts.count]).features))
            } else {
                tokens.append(cache[i])
            }
            labels.append(clip.label)
        }
        return Batch(input: Tensor.stack(tokens, axis: 0), target: Tensor(zeros: [indices.count]), labels: labels)
    }
}

/// The nearest-centroid baseline on the same normalised tokens: one mean token per class, Euclidean distance.
struct NearestCentroid {
    var centroids: Tensor   // [classes, bands * frames]

    init(tokens: [Tensor], labels: [Int], classes: Int) {
        let d = tokens.first?.count ?? 0
        var sums = [Double](repeating: 0, count: classes * d), counts = [Double](repeating: 0, count: classes)
        for (t, l) in zip(tokens, labels) {
            let v = t.contiguous().scalars
            for j in 0..<d { sums[l * d + j] += Double(v[j]) }
            counts[l] += 1
        }
        centroids = Tensor(shape: [classes, d], scalars: (0..<(classes * d)).map { Float(sums[$0] / max(counts[$0 / d], 1)) })
    }
    init(centroids: Tensor) { self.centroids = centroids }

    func predict(_ token: Tensor) -> Int {
        let v = token.contiguous().scalars, c = centroids.contiguous().scalars, d = v.count
        var best = 0, bestDistance = Double.infinity
        for k in 0..<centroids.shape[0] {
            var s = 0.0
            for j in 0..<d { let e = Double(v[j] - c[k * d + j]); s += e * e }
            if s < bestDistance { bestDistance = s; best = k }
        }
        return best
    }
}
