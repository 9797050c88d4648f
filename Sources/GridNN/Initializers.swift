// Weight initialisers, seeded through SeededGenerator so that a model built twice with one seed is identical.
// Fans follow PyTorch: weight [out, in, k...] (conv) or [out, in] (dense) has fanIn = in * prod(k),
// fanOut = out * prod(k); transposed-conv weights [in, out/groups, k...] are read the same way, as PyTorch does.
import Foundation
import GridTensor

/// Which fan Kaiming initialisation scales by: inputs (preserves forward variance) or outputs (backward variance).
public enum FanMode: String, Codable, Sendable { case fanIn, fanOut }

/// How a weight tensor is drawn, seeded through `SeededGenerator` so that a model built twice with one seed is
/// identical. Fans follow PyTorch: a weight `[out, in, k...]` has fanIn = in x prod(k), fanOut = out x prod(k).
public enum Initializer: Codable, Equatable, Sendable {
    /// PyTorch's default for conv and dense weights: kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    case pytorchDefault
    /// He et al. 2015: N(0, gain^2 / fan), gain = sqrt(2 / (1 + a^2)) (a = leaky-ReLU slope; 0 for ReLU).
    case kaimingNormal(a: Float = 0, mode: FanMode = .fanIn)
    /// He uniform: U(-b, b), b = gain * sqrt(3 / fan).
    case kaimingUniform(a: Float = 0, mode: FanMode = .fanIn)
    /// Glorot & Bengio 2010: N(0, gain^2 * 2 / (fanIn + fanOut)).
    case xavierNormal(gain: Float = 1)
    /// Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fanIn + fanOut)).
    case xavierUniform(gain: Float = 1)
    /// LeCun: N(0, 1 / fanIn) (for SELU / scaled tanh).
    case lecunNormal
    /// LeCun uniform: U(-b, b), b = sqrt(3 / fanIn).
    case lecunUniform
    case normal(mean: Float = 0, std: Float)
    case uniform(low: Float, high: Float)
    case constant(Float)
    case zeros

    /// (fanIn, fanOut) of a weight shape, as torch.nn.init._calculate_fan_in_and_fan_out.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        if shape.count < 2 { let n = shape.first ?? 1; return (n, n) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A tensor of the given shape drawn from this initialiser.
    public func make(_ shape: [Int], rng: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        func gain(_ a: Float) -> Float { (2 / (1 + a * a)).squareRoot() }
        switch self {
        case .pytorchDefault:
            let b = 1 / Float(max(fanIn, 1)).squareRoot()
            return .uniform(shape, low: -b, high: b, rng: &rng)
        case let .kaimingNormal(a, mode):
            let fan = Float(mode == .fanIn ? fanIn : fanOut)
            return .normal(shape, std: gain(a) / fan.squareRoot(), rng: &rng)
        case let .kaimingUniform(a, mode):
            let fan = Float(mode == .fanIn ? fanIn : fanOut)
            let b = gain(a) * (3 / fan).squareRoot()
            return .uniform(shape, low: -b, high: b, rng: &rng)
        case let .xavierNormal(g):
            return .normal(shape, std: g * (2 / Float(fanIn + fanOut)).squareRoot(), rng: &rng)
        case let .xavierUniform(g):
            let b = g * (6 / Float(fanIn + fanOut)).squareRoot()
            return .uniform(shape, low: -b, high: b, rng: &rng)
        case .lecunNormal:
            return .normal(shape, std: 1 / Float(fanIn).squareRoot(), rng: &rng)
        case .lecunUniform:
            let b = (3 / Float(fanIn)).squareRoot()
            return .uniform(shape, low: -b, high: b, rng: &rng)
        case let .normal(mean, std): return .normal(shape, mean: mean, std: std, rng: &rng)
        case let .uniform(lo, hi): return .uniform(shape, low: lo, high: hi, rng: &rng)
        case let .constant(c): return Tensor(repeating: c, shape: shape)
        case .zeros: return Tensor(zeros: shape)
        }
    }

    /// The bias that goes with a weight: PyTorch's U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for the default initialiser,
    /// zeros for the others (the usual choice with He/Xavier/LeCun).
    public func makeBias(count: Int, fanIn: Int, rng: inout SeededGenerator) -> Tensor {
        guard self == .pytorchDefault else { return Tensor(zeros: [count]) }
        let b = 1 / Float(max(fanIn, 1)).squareRoot()
        return .uniform([count], low: -b, high: b, rng: &rng)
    }
}

/// Repeats a single value to `rank` entries ([3] -> [3, 3]); longer arrays must already have `rank` entries.
@inlinable public func expandToRank(_ a: [Int], _ rank: Int, _ what: String = "value") -> [Int] {
    if a.count == 1 { return [Int](repeating: a[0], count: rank) }
    precondition(a.count == rank, "\(what) \(a) does not have \(rank) entries")
    return a
}
