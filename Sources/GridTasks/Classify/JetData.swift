// Jet-image files (datasets/jets/README.md): HDF5 with images [N, H, W] (pT per pixel, GeV), labels [N] (1 = signal,
// 0 = background), mass, pt, eta and tau21 [N]. Reading checks what the jobs rely on and says in one line what is
// wrong: a missing dataset (listing those present), a wrong image size, counts that disagree, NaN or infinite values.
import Foundation
import GridTensor
import GridIO
import GridTrain

/// The datasets of a jet file.
enum JetField: String, CaseIterable, Sendable {
    case images, labels, mass, pt, eta, tau21
}

/// What was read from a jet file; fields not asked for are nil.
struct JetData {
    var path: String
    /// [N, H, W], GeV per pixel.
    var images: Tensor
    var labels: [Int]?
    var mass: [Float]?
    var pt: [Float]?
    var eta: [Float]?
    var tau21: [Float]?
    /// What the file says about its images (root attributes `image_units` or the images' `units`, `pixel_size`).
    var imageUnits: String?
    var pixelSize: [Double]?

    init(path: String, images: Tensor, labels: [Int]? = nil, mass: [Float]? = nil, pt: [Float]? = nil,
         eta: [Float]? = nil, tau21: [Float]? = nil) {
        self.path = path; self.images = images; self.labels = labels; self.mass = mass; self.pt = pt; self.eta = eta; self.tau21 = tau21
    }

    var count: Int { images.shape[0] }
    var imageSize: [Int] { Array(images.shape.dropFirst()) }

    /// SHA-256 of the labels (one byte each): with the jet count it recognises the training file at evaluation.
    var labelsChecksum: String? { labels.map { JetFile.checksum(labels: $0) } }
}

enum JetFile {
    /// Reads `fields` (always including images) from `path`. `imageSize` [H, W], when given, must match.
    static func load(_ path: String, fields: [JetField], imageSize: [Int]? = nil) throws -> JetData {
        let file: HDF5File
        do { file = try HDF5File(path: path) } catch { throw TaskError(describe(error), path: path, underlying: error) }
        let present = ((try? file.children(of: "/")) ?? []).sorted()
        let wanted = [JetField.images] + fields.filter { $0 != .images }
        let missing = wanted.filter { !present.contains($0.rawValue) }.map(\.rawValue)
        if !missing.isEmpty {
            throw TaskError("\(path): no dataset\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) (datasets: \(present.isEmpty ? "none" : present.joined(separator: ", ")))")
        }
        do {
            let shape = try file.shape(of: "images")
            guard shape.count == 3 else {
                throw TaskError("\(path): 'images' has shape \(shapeDescription(shape)); expected [N, H, W] (one 2-D image per jet)")
            }
            let n = shape[0], size = Array(shape.dropFirst())
            guard n > 0 else { throw TaskError("\(path): 'images' holds no jets") }
            if let imageSize, imageSize != size {
                throw TaskError("\(path): images are \(size[0])x\(size[1]) pixels but the model needs \(imageSize[0])x\(imageSize[1])")
            }
            let images = try file.readTensor("images")
            if let bad = firstNonFinite(images) {
                throw TaskError("\(path): 'images' has \(bad.count) NaN or infinite pixel\(bad.count > 1 ? "s" : "") (first in jet \(bad.first / (size[0] * size[1])))")
            }
            var data = JetData(path: path, images: images)
            if case .string(let u)? = (try? file.attribute("units", of: "images")) ?? (try? file.attribute("image_units")) { data.imageUnits = u }
            switch try? file.attribute("pixel_size") {
            case .doubles(let d)?: data.pixelSize = d
            case .double(let d)?: data.pixelSize = [d, d]
            default: break
            }
            func column(_ f: JetField) throws -> [Float] {
                let s = try file.shape(of: f.rawValue)
                guard s.count == 1 || (s.count == 2 && s[1] == 1) else {
                    throw TaskError("\(path): '\(f.rawValue)' has shape \(shapeDescription(s)); expected [N], one value per jet")
                }
                guard s[0] == n else {
                    throw TaskError("\(path): '\(f.rawValue)' has \(s[0]) entries but 'images' has \(n) jets")
                }
                let t = try file.readTensor(f.rawValue)
                if let bad = firstNonFinite(t) {
                    throw TaskError("\(path): '\(f.rawValue)' has \(bad.count) NaN or infinite value\(bad.count > 1 ? "s" : "") (first at jet \(bad.first))")
                }
                return t.scalars
            }
            for f in wanted where f != .images {
                switch f {
                case .labels:
                    let values = try column(.labels)
                    if let i = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                        throw TaskError("\(path): 'labels' must be 0 (background) or 1 (signal); jet \(i) has \(String(format: "%g", Double(values[i])))")
                    }
                    data.labels = values.map { Int($0) }
                case .mass: data.mass = try column(.mass)
                case .pt: data.pt = try column(.pt)
                case .eta: data.eta = try column(.eta)
                case .tau21: data.tau21 = try column(.tau21)
                case .images: break
                }
            }
            return data
        } catch let e as TaskError { throw e } catch {
            throw TaskError(describe(error), path: path, underlying: error)
        }
    }

    static func checksum(labels: [Int]) -> String { SHA256.hex(Data(labels.map { UInt8(truncatingIfNeeded: $0) })) }

    static func firstNonFinite(_ t: Tensor) -> (first: Int, count: Int)? {
        var first = -1, count = 0
        t.withUnsafeBufferPointer { p in
            for i in 0..<p.count where !p[i].isFinite {
                if first < 0 { first = i }
                count += 1
            }
        }
        return count > 0 ? (first, count) : nil
    }

    static func describe(_ error: Error) -> String {
        String(describing: error)
    }
}

/// The train / validation / test split of a file's jets: seeded, stratified by label (each part keeps the file's
/// signal fraction), stored in the checkpoint as one code per jet (0 train, 1 validation, 2 test).
struct JetSplit: Equatable, Sendable {
    var train: [Int]
    var validation: [Int]
    var test: [Int]

    init(train: [Int], validation: [Int], test: [Int]) { self.train = train; self.validation = validation; self.test = test }

    /// Splits jets 0..<labels.count: `fractions` of each class go to train and validation, the rest to test.
    static func make(labels: [Int], seed: UInt64, train: Double = 0.6, validation: Double = 0.2) -> JetSplit {
        var rng = SeededGenerator(seed: seed ^ 0x6A65_745F_7370_6C74)
        var parts = JetSplit(train: [], validation: [], test: [])
        for cls in [0, 1] {
            var idx = labels.indices.filter { labels[$0] == cls }
            if idx.count > 1 { for i in stride(from: idx.count - 1, to: 0, by: -1) { idx.swapAt(i, Int(rng.next() % UInt64(i + 1))) } }
            let nt = Int((Double(idx.count) * train).rounded()), nv = Int((Double(idx.count) * validation).rounded())
            parts.train += idx.prefix(nt)
            parts.validation += idx.dropFirst(nt).prefix(nv)
            parts.test += idx.dropFirst(nt + nv)
        }
        parts.train.sort(); parts.validation.sort(); parts.test.sort()
        return parts
    }

    /// One code per jet: 0 train, 1 validation, 2 test.
    func codes(count: Int) -> Tensor {
        var c = [Float](repeating: 0, count: count)
        for i in validation { c[i] = 1 }
        for i in test { c[i] = 2 }
        return Tensor(shape: [count], scalars: c)
    }

    init(codes: Tensor) {
        let c = codes.scalars
        train = c.indices.filter { c[$0] == 0 }
        validation = c.indices.filter { c[$0] == 1 }
        test = c.indices.filter { c[$0] == 2 }
    }
}

/// How pixel intensities are scaled before the network sees them; statistics come from the training split and are
/// stored in the checkpoint (task group: pixel_mean, pixel_std).
public enum JetScaling: String, Codable, CaseIterable, Sendable {
    /// sqrt(pT / 1 GeV): tames the bright core while keeping pT ratios visible; empty pixels stay 0.
    case sqrt
    /// log(1 + pT / 1 GeV): compresses the steep intensity range further, keeps empty pixels at 0.
    case log
    /// Per-pixel standardisation (x - mean_ij) / std_ij over the training jets (de Oliveira et al.).
    case standardize
    /// log(1 + pT), then per-pixel standardisation.
    case logStandardize = "log-standardize"

    /// The per-pixel transform before any standardisation.
    func transform(_ v: Float) -> Float {
        switch self {
        case .sqrt: return max(v, 0).squareRoot()
        case .log, .logStandardize: return Foundation.log1p(max(v, 0))
        case .standardize: return v
        }
    }

    var standardizes: Bool { self == .standardize || self == .logStandardize }
}

struct JetPreprocessing {
    var scaling: JetScaling
    /// [H, W] statistics of the transformed (square-rooted or log-scaled) training images.
    var mean: Tensor
    var std: Tensor

    /// Fits the statistics on `images` [N, H, W] restricted to `rows`.
    init(scaling: JetScaling, images: Tensor, rows: [Int]) {
        self.scaling = scaling
        let h = images.shape[1], w = images.shape[2], area = h * w
        var s = [Double](repeating: 0, count: area), s2 = s
        images.withUnsafeBufferPointer { p in
            for r in rows { for k in 0..<area {
                let v = Double(scaling.transform(p[r * area + k]))
                s[k] += v; s2[k] += v * v
            } }
        }
        let n = Double(max(rows.count, 1))
        let m = s.map { $0 / n }
        let sd = zip(s2, m).map { max($0 / n - $1 * $1, 0).squareRoot() }
        mean = Tensor(shape: [h, w], scalars: m.map { Float($0) })
        std = Tensor(shape: [h, w], scalars: sd.map { Float($0) })
    }

    init?(scaling: JetScaling, extras: [String: Tensor]) {
        guard let m = extras["pixel_mean"], let s = extras["pixel_std"] else { return nil }
        self.scaling = scaling; mean = m; std = s
    }

    var tensors: [String: Tensor] { ["pixel_mean": mean, "pixel_std": std] }

    /// images [N, H, W] (GeV) -> network input [N, 1, H, W].
    func apply(_ images: Tensor) -> Tensor {
        let n = images.shape[0], h = images.shape[1], w = images.shape[2], area = h * w
        let m = mean.scalars, sd = std.scalars
        // Pixels that never vary in training (always empty at the edges) map to 0 instead of blowing up.
        let floor = 1e-3 * (sd.max() ?? 1)
        let inv = sd.map { $0 > floor ? 1 / $0 : 0 }
        var out = Tensor(uninitializedShape: [n, 1, h, w])
        let src = images.contiguous()
        src.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n { for k in 0..<area {
                var v = scaling.transform(p[i * area + k])
                if scaling.standardizes { v = (v - m[k]) * inv[k] }
                o[i * area + k] = v
            } }
        } }
        return out
    }
}
