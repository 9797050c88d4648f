// The detection networks and what a checkpoint records about them: a UNet segmenter (class logits per grid point)
// or the AlexNet-like patch classifier of Liu et al. 2016 (one class per patch), the input channels (variables
// standardised with training statistics, plus sin(latitude) so the network knows the hemisphere and the latitude
// limits of the definitions), and the labelling that made the training labels.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain

public enum DetectModelKind: String, Codable, CaseIterable, Sendable { case unet, patchcnn }

/// One input channel: a variable of a role, its anomaly from the step's zonal median (row by row), or the cyclonic
/// 850 hPa relative vorticity (vorticity x sign of latitude, from U850 and V850), standardised. Anomalies take out
/// the background climate, so a model trained on one model's climate carries over to another's.
public struct ChannelNorm: Codable, Equatable, Sendable {
    public enum Transform: String, Codable, Sendable { case none, zonalAnomaly, cyclonicVorticity }
    public var role: FieldRole
    public var variable: String
    public var transform: Transform
    public var mean: Float
    public var std: Float
    public var label: String {
        switch transform {
        case .none: return variable
        case .zonalAnomaly: return "\(variable)-zonal"
        case .cyclonicVorticity: return "cyclonic-vorticity"
        }
    }

    /// The channel's values for one step, before standardising.
    public func values(_ fields: [FieldRole: [Float]], grid: LatLonGrid) -> [Float] {
        let width = grid.width
        switch transform {
        case .none: return fields[role]!
        case .zonalAnomaly:
            let f = fields[role]!
            var out = f
            for start in stride(from: 0, to: f.count, by: width) {
                let row = f[start..<(start + width)].filter(\.isFinite).sorted()
                let median = row.isEmpty ? 0 : row[row.count / 2]
                for k in start..<(start + width) { out[k] = f[k] - median }
            }
            return out
        case .cyclonicVorticity:
            var z = grid.vorticity(u: fields[.u850]!, v: fields[.v850]!)
            for k in z.indices { z[k] *= (grid.lat[k / width] >= 0 ? 1e5 : -1e5) }   // units of 1e-5 s-1
            return z
        }
    }

    /// The default channels: zonal anomalies of PSL and T500 (lows, warm cores), 850 hPa winds and their cyclonic
    /// vorticity, and column water vapour both raw (the absolute threshold) and as an anomaly (plumes against the
    /// background).
    public static func defaultChannels(_ roles: [FieldRole]) -> [(FieldRole, Transform)] {
        var out = [(FieldRole, Transform)]()
        for r in roles {
            switch r {
            case .psl, .t500: out.append((r, .zonalAnomaly))
            case .u850: out.append((r, .none))
            case .v850:
                out.append((r, .none))
                if roles.contains(.u850) { out.append((.u850, .cyclonicVorticity)) }
            case .iwv: out.append((r, .none)); out.append((r, .zonalAnomaly))
            }
        }
        return out
    }
}

/// The task record of a detection checkpoint.
public struct DetectSpec: Codable, Equatable, Sendable {
    public var kind: DetectModelKind
    public var channels: [ChannelNorm]
    /// A last channel holding sin(latitude).
    public var latitudeChannel: Bool
    public var classes: [String]
    /// "labeller" (heuristic labels made with `labeller`) or the FILE:VAR the labels came from.
    public var labelSource: String
    public var labeller: LabellerOptions
    /// UNet: training crop size; patch classifier: its input size.
    public var patch: Int
    public var trainFile: String
    public var trainingSteps: [Int]
    public var validationSteps: [Int]
    public var classWeights: [Float]
    /// Training grid spacing (degrees), to warn when applied at another resolution.
    public var gridSpacing: Double
    /// What the model was trained on (nil in checkpoints made before contracts).
    public var dataContract: DataContract? = nil
    public var inputChannels: Int { channels.count + (latitudeChannel ? 1 : 0) }

    /// Model input [1, C, H, W] for one step's fields (NaN -> 0 after standardising); `observe` sees each
    /// channel's values before standardising (for the contract's statistics).
    public func input(_ fields: [FieldRole: [Float]], grid: LatLonGrid, observe: ((Int, [Float]) -> Void)? = nil) -> Tensor {
        let (h, w) = (grid.height, grid.width)
        var x = [Float](repeating: 0, count: inputChannels * h * w)
        for (c, ch) in channels.enumerated() {
            let f = ch.values(fields, grid: grid)
            observe?(c, f)
            let inv = 1 / ch.std
            for k in 0..<(h * w) { let v = (f[k] - ch.mean) * inv; x[c * h * w + k] = v.isFinite ? v : 0 }
        }
        if latitudeChannel {
            let base = channels.count * h * w
            for i in 0..<h { let s = Float(sin(grid.lat[i] * .pi / 180)); for j in 0..<w { x[base + i * w + j] = s } }
        }
        return Tensor(shape: [1, inputChannels, h, w], scalars: x)
    }
}

public enum DetectModel {
    /// A new network for `channels` inputs and 3 classes.
    public static func spec(kind: DetectModelKind, channels: Int, base: Int?, depth: Int?, patch: Int) throws -> ModelSpec {
        switch kind {
        case .unet:
            return .unet(UNetConfig(inChannels: channels, outChannels: EventClass.allCases.count, base: base ?? 12,
                                    depth: depth ?? 3, upMode: .transposedConv))
        case .patchcnn:
            let w = base ?? 16
            let cfg = ConvNetConfig.extremeWeather(inChannels: channels, inputSize: [patch, patch], classes: EventClass.allCases.count,
                                                   widths: [w, 2 * w], hidden: [50], dropout: 0.5)
            do { try ConvNet.check(cfg) } catch { throw TaskError("patch classifier does not fit a \(patch)x\(patch) patch: \(error)") }
            return .patchcnn(cfg)
        }
    }

    /// UNet class mask of one step: input [1, C, H, W]; on global grids the longitude wraps (periodic halo).
    public static func segment(_ model: InferencePlan, _ x: Tensor, multiple: Int, periodic: Bool, halo: Int = 16) -> [Int8] {
        let w = x.shape[3]
        var input = x
        var left = 0
        if periodic && w > 2 * halo {
            // Wrap `halo` columns each side, plus what makes the width a multiple (cropped away after).
            let extra = (multiple - (w + 2 * halo) % multiple) % multiple
            left = halo + extra / 2
            let right = halo + extra - extra / 2
            input = Tensor.concatenate([x.sliced(axis: 3, (w - left)..<w), x, x.sliced(axis: 3, 0..<right)], axis: 3).contiguous()
        }
        var logits = TiledInference.run(model, input, tile: 512, multiple: multiple)
        if left > 0 { logits = logits.sliced(axis: 3, left..<(left + w)).contiguous() }
        return argmaxClasses(logits)
    }

    /// [1, K, H, W] logits -> class per point.
    static func argmaxClasses(_ logits: Tensor) -> [Int8] {
        let k = logits.shape[1], n = logits.shape[2] * logits.shape[3]
        let v = logits.contiguous().scalars
        return (0..<n).map { p in
            var best = 0
            for c in 1..<k where v[c * n + p] > v[best * n + p] { best = c }
            return Int8(best)
        }
    }
}
