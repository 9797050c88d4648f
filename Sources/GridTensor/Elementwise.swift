// Elementwise arithmetic with NumPy broadcasting, and unary math. Inputs are made contiguous (broadcast ones
// materialised) so the loops below run over plain buffers.
import Foundation
import CGridKernels

extension Tensor {
    /// Applies f to every element.
    public func map(_ f: (Float) -> Float) -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = f(src[i]) }
            }
        }
        return out
    }

    /// Combines two tensors elementwise after broadcasting them to a common shape.
    public static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        guard let s = broadcastShapes(a.shape, b.shape) else {
            preconditionFailure("shapes \(shapeDescription(a.shape)) and \(shapeDescription(b.shape)) do not broadcast")
        }
        let ac = a.shape == s ? a.contiguous() : a.broadcast(to: s).contiguous()
        let bc = b.shape == s ? b.contiguous() : b.broadcast(to: s).contiguous()
        var out = Tensor(uninitializedShape: s)
        ac.withUnsafeBufferPointer { pa in
            bc.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    for i in 0..<po.count { po[i] = f(pa[i], pb[i]) }
                }
            }
        }
        return out
    }

    /// Elementwise sum; shapes broadcast as NumPy's do (traps when they do not).
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        if a.shape == b.shape {
            var out = Tensor(uninitializedShape: a.shape)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
                gk_add(Int64(po.count), pa.baseAddress, pb.baseAddress, po.baseAddress)
            } } }
            return out
        }
        return zip(a, b, +)
    }
    /// Elementwise difference, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { zip(a, b, -) }
    /// Elementwise product, broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        if a.shape == b.shape {
            var out = Tensor(uninitializedShape: a.shape)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
                gk_mul(Int64(po.count), pa.baseAddress, pb.baseAddress, po.baseAddress)
            } } }
            return out
        }
        return zip(a, b, *)
    }
    /// Elementwise quotient, broadcasting (IEEE: x / 0 is ±inf or NaN).
    public static func / (a: Tensor, b: Tensor) -> Tensor { zip(a, b, /) }
    /// `s` added to every element.
    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    /// `s` subtracted from every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    /// Every element times `s`.
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    /// Every element divided by `s`.
    public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
    /// Every element times `s`.
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { $0 * s } }
    /// `s` minus every element.
    public static func - (s: Float, a: Tensor) -> Tensor { a.map { s - $0 } }
    /// Every element negated.
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// In place y += alpha * x (same shape), the accumulation used for gradients.
    public mutating func addScaled(_ x: Tensor, _ alpha: Float = 1) {
        precondition(x.shape == shape, "cannot accumulate \(shapeDescription(x.shape)) into \(shapeDescription(shape))")
        x.withUnsafeBufferPointer { px in
            withUnsafeMutableBufferPointer { py in gk_axpy(Int64(py.count), alpha, px.baseAddress, py.baseAddress) }
        }
    }

    /// out = kernel(self) over contiguous buffers (the vectorised kernels of gk_math.h).
    @inline(__always)
    func applyingKernel(_ kernel: (Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void) -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { py in kernel(Int64(py.count), px.baseAddress, py.baseAddress) }
        }
        return out
    }

    /// e^x elementwise (vectorised kernel).
    public func exp() -> Tensor { applyingKernel { gk_exp($0, $1, $2) } }
    /// Natural logarithm elementwise (NaN below 0, -inf at 0).
    public func log() -> Tensor { applyingKernel { gk_log($0, $1, $2) } }
    /// Square root elementwise (NaN below 0).
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    /// Absolute value elementwise.
    public func abs() -> Tensor { map { Swift.abs($0) } }
    /// Hyperbolic tangent elementwise (vectorised kernel).
    public func tanh() -> Tensor { applyingKernel { gk_tanh($0, $1, $2) } }
    /// Logistic sigmoid 1 / (1 + e^-x) elementwise, stable for large |x|.
    public func sigmoid() -> Tensor { applyingKernel { gk_sigmoid($0, $1, $2) } }
    /// Every element to the power `p`.
    public func pow(_ p: Float) -> Tensor { map { Foundation.pow($0, p) } }
    /// Every element squared.
    public func squared() -> Tensor { map { $0 * $0 } }
    /// Every element limited to `lo...hi` (either bound may be left open).
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor { map { Swift.min(Swift.max($0, lo), hi) } }
    /// max(x, 0) elementwise.
    public func relu() -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { gk_relu_forward(Int64(px.count), px.baseAddress, $0.baseAddress) } }
        return out
    }
    /// 1 where the element is NaN, else 0.
    public func isNaNMask() -> Tensor { map { $0.isNaN ? 1 : 0 } }
    /// NaNs replaced by a value.
    public func replacingNaN(with v: Float) -> Tensor { map { $0.isNaN ? v : $0 } }
}

/// Sigmoid that neither overflows for large |x| nor loses precision near 0.
@inlinable public func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}
