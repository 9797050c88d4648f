// Differentiable pointwise activations and softmax. Each backward reuses the saved input or output.
import Foundation
import GridTensor
import CGridKernels

extension Variable {
    /// y = f(x) with dy/dx = df(x, y): the derivative may use the input, the output, or both.
    public func pointwise(_ f: (Float) -> Float, derivative df: @escaping (Float, Float) -> Float) -> Variable {
        let y = value.map(f)
        let x = value
        return .op(y, [self]) { g in [Tensor.zip(Tensor.zip(x, y, df), g, *)] }
    }

    public func relu() -> Variable {
        let x = value
        return .op(value.relu(), [self]) { g in
            var dx = Tensor(uninitializedShape: x.shape)
            x.withUnsafeBufferPointer { px in g.withUnsafeBufferPointer { pg in dx.withUnsafeMutableBufferPointer { pd in
                gk_relu_backward(Int64(pd.count), px.baseAddress, pg.baseAddress, pd.baseAddress)
            } } }
            return [dx]
        }
    }
    public func leakyRelu(_ slope: Float = 0.01) -> Variable {
        pointwise({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }
    public func elu(_ alpha: Float = 1) -> Variable {
        pointwise({ $0 > 0 ? $0 : alpha * (Foundation.exp($0) - 1) }, derivative: { x, y in x > 0 ? 1 : y + alpha })
    }
    /// Exact GELU, x * Phi(x).
    public func gelu() -> Variable {
        pointwise({ 0.5 * $0 * (1 + erf($0 / Float(2.0.squareRoot()))) }, derivative: { x, _ in
            0.5 * (1 + erf(x / Float(2.0.squareRoot()))) + x * Foundation.exp(-0.5 * x * x) / Float((2 * Double.pi).squareRoot())
        })
    }
    /// GELU's tanh approximation (as PyTorch approximate='tanh').
    public func geluTanh() -> Variable {
        let c = Float((2 / Double.pi).squareRoot())
        return pointwise({ 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }, derivative: { x, _ in
            let u = c * (x + 0.044715 * x * x * x), t = Foundation.tanh(u)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        })
    }
    public func sigmoid() -> Variable { pointwise(stableSigmoid, derivative: { _, y in y * (1 - y) }) }
    public func tanh() -> Variable { pointwise({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }
    /// LeCun's scaled tanh, 1.7159 tanh(2x/3).
    public func lecunTanh() -> Variable {
        pointwise({ 1.7159 * Foundation.tanh(2 * $0 / 3) }, derivative: { x, _ in let t = Foundation.tanh(2 * x / 3); return 1.7159 * 2 / 3 * (1 - t * t) })
    }
    public func softplus() -> Variable {
        pointwise({ $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) }, derivative: { x, _ in stableSigmoid(x) })
    }
    public func exp() -> Variable { pointwise({ Foundation.exp($0) }, derivative: { _, y in y }) }
    public func log() -> Variable { pointwise({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    public func sqrt() -> Variable { pointwise({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    public func squared() -> Variable { pointwise({ $0 * $0 }, derivative: { x, _ in 2 * x }) }
    public func abs() -> Variable { pointwise({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }

    /// PReLU with one learned slope per channel (axis 1).
    public func prelu(_ slope: Variable) -> Variable {
        let c = shape[1]
        precondition(slope.shape == [c], "prelu slope \(shapeDescription(slope.shape)) should be [\(c)]")
        let bshape = [1, c] + [Int](repeating: 1, count: shape.count - 2)
        let a = slope.value.reshaped(bshape)
        let x = value
        let y = Tensor.zip(x, a) { $0 > 0 ? $0 : $1 * $0 }
        return .op(y, [self, slope]) { g in
            let dx = Tensor.zip(Tensor.zip(x, a) { $0 > 0 ? 1 : $1 }, g, *)
            let da = (Tensor.zip(x, g) { $0 > 0 ? 0 : $0 * $1 }).sumToShape(bshape).reshaped([c])
            return [dx, da]
        }
    }

    /// WaveNet's gate tanh(a) * sigmoid(b), fused so only the two activations are kept.
    public static func gatedActivation(_ a: Variable, _ b: Variable) -> Variable {
        let ta = a.value.tanh(), sb = b.value.sigmoid()
        return op(ta * sb, [a, b]) { g in
            [Tensor.zip(Tensor.zip(ta, sb) { (1 - $0 * $0) * $1 }, g, *), Tensor.zip(Tensor.zip(ta, sb) { $0 * $1 * (1 - $1) }, g, *)]
        }
    }

    public func softmax(axis: Int = 1) -> Variable {
        let ax = normalizeAxis(axis, rank: shape.count)
        let y = softmaxForward(value, axis: ax, log: false)
        return .op(y, [self]) { g in
            // dx = y * (g - sum(g * y))
            let s = (g * y).sum(axes: [ax], keepDims: true)
            return [y * (g - s)]
        }
    }

    public func logSoftmax(axis: Int = 1) -> Variable {
        let ax = normalizeAxis(axis, rank: shape.count)
        let y = softmaxForward(value, axis: ax, log: true)
        return .op(y, [self]) { g in
            // dx = g - softmax * sum(g)
            let s = g.sum(axes: [ax], keepDims: true)
            return [g - y.exp() * s]
        }
    }
}

/// Numerically stable (log-)softmax along one axis. With positions after the axis (class maps [N, C, H, W] or
/// WaveNet's [N, 256, T]) the loops run class by class over contiguous rows, so memory is read in order.
public func softmaxForward(_ x: Tensor, axis ax: Int, log: Bool) -> Tensor {
    let outer = x.shape.prefix(ax).reduce(1, *), n = x.shape[ax], inner = x.shape.suffix(from: ax + 1).reduce(1, *)
    var y = Tensor(uninitializedShape: x.shape)
    var m = [Float](repeating: 0, count: inner), s = [Float](repeating: 0, count: inner)
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            m.withUnsafeMutableBufferPointer { m in
                s.withUnsafeMutableBufferPointer { s in
                    for o in 0..<outer {
                        let base = o * n * inner
                        for i in 0..<inner { m[i] = -Float.infinity; s[i] = 0 }
                        for k in 0..<n { let row = base + k * inner; for i in 0..<inner { m[i] = Swift.max(m[i], px[row + i]) } }
                        for k in 0..<n {
                            let row = base + k * inner
                            for i in 0..<inner { let e = Foundation.exp(px[row + i] - m[i]); py[row + i] = e; s[i] += e }
                        }
                        if log {
                            for i in 0..<inner { s[i] = Foundation.log(s[i]) }
                            for k in 0..<n { let row = base + k * inner; for i in 0..<inner { py[row + i] = px[row + i] - m[i] - s[i] } }
                        } else {
                            for i in 0..<inner { s[i] = 1 / s[i] }
                            for k in 0..<n { let row = base + k * inner; for i in 0..<inner { py[row + i] *= s[i] } }
                        }
                    }
                }
            }
        }
    }
    return y
}
