// Gradient checking: analytic gradients from backward() against central differences. The probe objective is
// sum(f(x) * r) with a fixed random r (so every output element matters), accumulated in Double.
import GridTensor

/// One compared element: the gradient from backward() and the central difference for it.
public struct GradCheckResult: CustomStringConvertible {
    /// Which input (index into `inputs`).
    public let input: Int
    /// Which element of that input, in row-major order.
    public let index: Int
    /// The gradient from backward().
    public let analytic: Double
    /// The central difference (f(x + eps) - f(x - eps)) / 2 eps, accumulated in Double.
    public let numeric: Double
    /// |analytic - numeric| / max(1, |numeric|): absolute for small gradients, relative for large ones.
    public var error: Double { Swift.abs(analytic - numeric) / Swift.max(1, Swift.abs(numeric)) }
    /// `input i[j]: analytic a vs numeric n`.
    public var description: String { "input \(input)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
}

/// Gradient checking: backward() against central differences of the probe objective sum(f(x) * r) with a fixed
/// random r, so every output element matters. Use Float-friendly steps (`eps` 1e-2) and smooth inputs: kinks of relu
/// or max within `eps` of an element make any check disagree there.
public enum GradCheck {
    /// Worst mismatch over every element of every input (relative to max(1, |numeric|)).
    /// The function must be deterministic (no dropout draws that change between calls).
    public static func worst(inputs: [Tensor], eps: Float = 1e-2, seed: UInt64 = 7, maxElements: Int = 400,
                             _ f: ([Variable]) -> Variable) -> GradCheckResult {
        let vars = inputs.map { Variable($0, requiresGrad: true) }
        let out = f(vars)
        var rng = SeededGenerator(seed: seed)
        let r = Tensor.normal(out.shape, rng: &rng)
        out.backward(r)
        let rValues = r.scalars.map(Double.init)
        func objective(_ xs: [Tensor]) -> Double {
            let y = GradMode.withNoGrad { f(xs.map { Variable($0) }) }.value.scalars
            var s = 0.0
            for (a, b) in zip(y, rValues) { s += Double(a) * b }
            return s
        }
        var worst = GradCheckResult(input: 0, index: 0, analytic: 0, numeric: 0)
        for (i, x) in inputs.enumerated() {
            let analytic = vars[i].grad?.scalars ?? [Float](repeating: 0, count: x.count)
            let step = Swift.max(1, x.count / maxElements)
            for j in stride(from: 0, to: x.count, by: step) {
                var xs = inputs
                var plus = x.scalars, minus = x.scalars
                plus[j] += eps; minus[j] -= eps
                xs[i] = Tensor(shape: x.shape, scalars: plus)
                let fp = objective(xs)
                xs[i] = Tensor(shape: x.shape, scalars: minus)
                let fm = objective(xs)
                let numeric = (fp - fm) / Double(2 * eps)
                let res = GradCheckResult(input: i, index: j, analytic: Double(analytic[j]), numeric: numeric)
                if res.error > worst.error { worst = res }
            }
        }
        return worst
    }
}
