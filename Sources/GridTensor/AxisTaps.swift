// One primitive behind padding, interpolation and cropping: every output position along one axis is a fixed
// number of weighted taps of input positions (index -1 contributes zero). Its adjoint scatters back, which is the
// gradient of all of them.
import Foundation

/// A linear map along one axis: every output position is `tapsPerOutput` weighted input positions (index -1
/// contributes zero). Padding, interpolation (nearest, linear, cubic) and cropping are all taps; the adjoint scatters
/// back and is their gradient. Apply with ``Tensor/applyingTaps(_:axis:)``.
public struct AxisTaps {
    /// Length of the axis before.
    public let inputSize: Int
    /// Length of the axis after.
    public let outputSize: Int
    /// Input positions that make one output position (1 for nearest and padding, 2 linear, 4 cubic).
    public let tapsPerOutput: Int
    /// Input index of each tap, `[outputSize * tapsPerOutput]` row-major by output; -1 contributes zero.
    public let index: [Int32]   // [outputSize * tapsPerOutput], -1 = zero
    /// Weight of each tap, laid out as `index`.
    public let weight: [Float]  // same layout

    /// Taps from their tables; traps unless `index` and `weight` both hold `outputSize * tapsPerOutput` values.
    public init(inputSize: Int, outputSize: Int, tapsPerOutput: Int, index: [Int32], weight: [Float]) {
        precondition(index.count == outputSize * tapsPerOutput && weight.count == index.count, "malformed taps")
        self.inputSize = inputSize; self.outputSize = outputSize; self.tapsPerOutput = tapsPerOutput
        self.index = index; self.weight = weight
    }

    /// What padding puts outside the input: zeros, a mirror without repeating the edge (PyTorch's `reflect`), or the
    /// edge value repeated.
    public enum PadMode: String, Codable, Sendable { case zero, reflect, replicate }

    /// Padding by lo/hi positions; reflect mirrors without repeating the edge (PyTorch's reflect).
    public static func pad(size n: Int, lo: Int, hi: Int, mode: PadMode) -> AxisTaps {
        if mode == .reflect { precondition(lo < n && hi < n, "reflect padding (\(lo), \(hi)) needs both below the size \(n)") }
        var idx = [Int32]()
        for o in 0..<(n + lo + hi) {
            var i = o - lo
            if i < 0 || i >= n {
                switch mode {
                case .zero: i = -1
                case .replicate: i = min(max(i, 0), n - 1)
                case .reflect: i = i < 0 ? -i : 2 * (n - 1) - i
                }
            }
            idx.append(Int32(i))
        }
        return AxisTaps(inputSize: n, outputSize: n + lo + hi, tapsPerOutput: 1, index: idx, weight: [Float](repeating: 1, count: idx.count))
    }

    /// Nearest-neighbour resize (PyTorch 'nearest': source = floor(o * in / out)).
    public static func nearest(from n: Int, to m: Int) -> AxisTaps {
        let idx = (0..<m).map { Int32(min(n - 1, Int(Double($0) * Double(n) / Double(m)))) }
        return AxisTaps(inputSize: n, outputSize: m, tapsPerOutput: 1, index: idx, weight: [Float](repeating: 1, count: m))
    }

    /// Linear resize with half-pixel centres (align_corners = false), clamped at the edges.
    public static func linear(from n: Int, to m: Int) -> AxisTaps {
        var idx = [Int32](), w = [Float]()
        let scale = Double(n) / Double(m)
        for o in 0..<m {
            let src = max((Double(o) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), n - 1), i1 = min(i0 + 1, n - 1)
            let l = Float(src - Double(i0))
            idx += [Int32(i0), Int32(i1)]; w += [1 - l, l]
        }
        return AxisTaps(inputSize: n, outputSize: m, tapsPerOutput: 2, index: idx, weight: w)
    }

    /// Cubic convolution resize (Keys, a = -0.75 as PyTorch/OpenCV), half-pixel centres, edge-clamped taps.
    public static func cubic(from n: Int, to m: Int, a: Double = -0.75) -> AxisTaps {
        func k(_ x: Double) -> Double {
            let t = Swift.abs(x)
            if t <= 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
            return 0
        }
        var idx = [Int32](), w = [Float]()
        let scale = Double(n) / Double(m)
        for o in 0..<m {
            let src = (Double(o) + 0.5) * scale - 0.5
            let f = Foundation.floor(src), t = src - f
            for j in -1...2 {
                idx.append(Int32(min(max(Int(f) + j, 0), n - 1)))
                w.append(Float(k(Double(j) - t)))
            }
        }
        return AxisTaps(inputSize: n, outputSize: m, tapsPerOutput: 4, index: idx, weight: w)
    }
}

extension Tensor {
    /// Applies taps along one axis: out[..., o, ...] = sum_t w[o,t] * x[..., idx[o,t], ...].
    public func applyingTaps(_ taps: AxisTaps, axis: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(shape[ax] == taps.inputSize, "taps for size \(taps.inputSize) applied to axis \(ax) of \(shapeDescription(shape))")
        let outer = shape.prefix(ax).reduce(1, *), inner = shape.suffix(from: ax + 1).reduce(1, *)
        var outShape = shape; outShape[ax] = taps.outputSize
        var out = Tensor(zeros: outShape)
        let n = taps.inputSize, m = taps.outputSize, t = taps.tapsPerOutput
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                taps.index.withUnsafeBufferPointer { idx in
                    taps.weight.withUnsafeBufferPointer { w in
                        for b in 0..<outer {
                            let s0 = b * n * inner, d0 = b * m * inner
                            for o in 0..<m {
                                let drow = d0 + o * inner
                                for k in 0..<t {
                                    let i = Int(idx[o * t + k]); if i < 0 { continue }
                                    let wk = w[o * t + k], srow = s0 + i * inner
                                    for j in 0..<inner { dst[drow + j] += wk * src[srow + j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The adjoint of applyingTaps: scatters each output back to the inputs it read.
    public func applyingTapsAdjoint(_ taps: AxisTaps, axis: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(shape[ax] == taps.outputSize, "adjoint taps for size \(taps.outputSize) applied to \(shapeDescription(shape))")
        let outer = shape.prefix(ax).reduce(1, *), inner = shape.suffix(from: ax + 1).reduce(1, *)
        var inShape = shape; inShape[ax] = taps.inputSize
        var out = Tensor(zeros: inShape)
        let n = taps.inputSize, m = taps.outputSize, t = taps.tapsPerOutput
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                taps.index.withUnsafeBufferPointer { idx in
                    taps.weight.withUnsafeBufferPointer { w in
                        for b in 0..<outer {
                            let s0 = b * m * inner, d0 = b * n * inner
                            for o in 0..<m {
                                let srow = s0 + o * inner
                                for k in 0..<t {
                                    let i = Int(idx[o * t + k]); if i < 0 { continue }
                                    let wk = w[o * t + k], drow = d0 + i * inner
                                    for j in 0..<inner { dst[drow + j] += wk * src[srow + j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
