// Per-variable standardisation, shared by the jobs that feed physical fields to a network.
import GridTensor

/// Standardisation constants, stored in the checkpoint so applying the model repeats them exactly.
public struct Standardization: Codable, Equatable, Sendable {
    /// Subtracted first, in the field's units.
    public var mean: Float
    /// Then divided by, in the field's units (never below 1e-6).
    public var std: Float
    /// Constants as stored in a checkpoint.
    public init(mean: Float, std: Float) { self.mean = mean; self.std = std }

    /// Mean and standard deviation over the valid (non-NaN) values; std never below a tiny floor.
    static func fit(_ t: Tensor) -> Standardization {
        var s = 0.0, s2 = 0.0, n = 0.0
        for v in t.scalars where !v.isNaN { s += Double(v); s2 += Double(v) * Double(v); n += 1 }
        let m = s / max(n, 1)
        return Standardization(mean: Float(m), std: Float(max((s2 / max(n, 1) - m * m).squareRoot(), 1e-6)))
    }
    func apply(_ t: Tensor) -> Tensor { t.map { ($0 - mean) / std } }
}
