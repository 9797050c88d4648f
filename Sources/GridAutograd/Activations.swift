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
        let x = value
        return .op(unaryKernel(x) { gk_leaky_relu_forward($0, $1, slope, $2) }, [self]) { g in
            [binaryKernel(x, g) { gk_leaky_relu_backward($0, $1, $2, slope, $3) }]
        }
    }
    public func elu(_ alpha: Float = 1) -> Variable {
        let x = value
        let y = unaryKernel(x) { gk_elu_forward($0, $1, alpha, $2) }
        return .op(y, [self]) { g in
            var dx = Tensor(uninitializedShape: x.shape)
            x.withUnsafeBufferPointer { px in y.withUnsafeBufferPointer { py in g.withUnsafeBufferPointer { pg in
                dx.withUnsafeMutableBufferPointer { pd in
                    precondition(pg.count == pd.count, "elu: gradient \(shapeDescription(g.shape)) for \(shapeDescription(x.shape))")
                    gk_elu_backward(Int64(pd.count), px.baseAddress, py.baseAddress, pg.baseAddress, alpha, pd.baseAddress)
                }
            } } }
            return [dx]
        }
    }
    /// Exact GELU, x * Phi(x).
    public func gelu() -> Variable {
        pointwise({ 0.5 * $0 * (1 + erf($0 / Float(2.0.squareRoot()))) }, derivative: { x, _ in
            0.5 * (1 + erf(x / Float(2.0.squareRoot()))) + x * Foundation.exp(-0.5 * x * x) / Float((2 * Double.pi).squareRoot())
        })
    }
    /// GELU's tanh approximation (as PyTorch approximate='tanh'), computed as x * sigmoid(2u) = 0.5x(1 + tanh u),
    /// which does not cancel for negative x.
    public func geluTanh() -> Variable {
        let x = value
        return .op(unaryKernel(x) { gk_gelu_tanh_forward($0, $1, $2) }, [self]) { g in
            [binaryKernel(x, g) { gk_gelu_tanh_backward($0, $1, $2, $3) }]
        }
    }
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return .op(y, [self]) { g in [binaryKernel(y, g) { gk_sigmoid_backward($0, $1, $2, $3) }] }
    }
    public func tanh() -> Variable {
        let y = value.tanh()
        return .op(y, [self]) { g in [binaryKernel(y, g) { gk_tanh_backward($0, $1, $2, $3) }] }
    }
    /// LeCun's scaled tanh, 1.7159 tanh(2x/3).
    public func lecunTanh() -> Variable {
        pointwise({ 1.7159 * Foundation.tanh(2 * $0 / 3) }, derivative: { x, _ in let t = Foundation.tanh(2 * x / 3); return 1.7159 * 2 / 3 * (1 - t * t) })
    }
    /// PyTorch's softplus (beta 1, threshold 20).
    public func softplus() -> Variable {
        let x = value
        return .op(unaryKernel(x) { gk_softplus($0, $1, $2) }, [self]) { g in
            [binaryKernel(x, g) { gk_softplus_backward($0, $1, $2, $3) }]
        }
    }
    public func exp() -> Variable {
        let y = value.exp()
        return .op(y, [self]) { g in [y * g] }
    }
    public func log() -> Variable {
        let x = value
        return .op(x.log(), [self]) { g in [binaryKernel(x, g) { gk_log_backward($0, $1, $2, $3) }] }
    }
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
        if a.shape != b.shape {   // broadcasting gate: the general path
            let ta = a.value.tanh(), sb = b.value.sigmoid()
            return op(ta * sb, [a, b]) { g in
                [Tensor.zip(Tensor.zip(ta, sb) { (1 - $0 * $0) * $1 }, g, *), Tensor.zip(Tensor.zip(ta, sb) { $0 * $1 * (1 - $1) }, g, *)]
            }
        }
        let shape = a.shape
        var y = Tensor(uninitializedShape: shape), ta = Tensor(uninitializedShape: shape), sb = Tensor(uninitializedShape: shape)
        a.value.withUnsafeBufferPointer { pa in b.value.withUnsafeBufferPointer { pb in
            y.withUnsafeMutableBufferPointer { py in ta.withUnsafeMutableBufferPointer { pt in sb.withUnsafeMutableBufferPointer { ps in
                gk_gate_forward(Int64(py.count), pa.baseAddress, pb.baseAddress, py.baseAddress, pt.baseAddress, ps.baseAddress)
            } } }
        } }
        return op(y, [a, b]) { g in
            var da = Tensor(uninitializedShape: shape), db = Tensor(uninitializedShape: shape)
            ta.withUnsafeBufferPointer { pt in sb.withUnsafeBufferPointer { ps in g.withUnsafeBufferPointer { pg in
                da.withUnsafeMutableBufferPointer { pda in db.withUnsafeMutableBufferPointer { pdb in
                    precondition(pg.count == pda.count, "gate: gradient \(shapeDescription(g.shape)) for \(shapeDescription(shape))")
                    gk_gate_backward(Int64(pda.count), pt.baseAddress, ps.baseAddress, pg.baseAddress, pda.baseAddress, pdb.baseAddress)
                } }
            } } }
            return [da, db]
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
    // Long rows go through the vectorised exp kernel (x - max staged in t); short ones stay scalar (call overhead).
    let vectorRows = inner >= 64
    var t = [Float](repeating: 0, count: vectorRows ? inner : 0)
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            m.withUnsafeMutableBufferPointer { m in
                s.withUnsafeMutableBufferPointer { s in t.withUnsafeMutableBufferPointer { t in
                    for o in 0..<outer {
                        let base = o * n * inner
                        for i in 0..<inner { m[i] = -Float.infinity; s[i] = 0 }
                        for k in 0..<n { let row = base + k * inner; for i in 0..<inner { m[i] = Swift.max(m[i], px[row + i]) } }
                        for k in 0..<n {
                            let row = base + k * inner
                            if vectorRows {
                                for i in 0..<inner { t[i] = px[row + i] - m[i] }
                                gk_exp(Int64(inner), t.baseAddress, py.baseAddress! + row)
                                for i in 0..<inner { s[i] += py[row + i] }
                            } else {
                                for i in 0..<inner { let e = Foundation.exp(px[row + i] - m[i]); py[row + i] = e; s[i] += e }
                            }
                        }
                        if log {
                            for i in 0..<inner { s[i] = Foundation.log(s[i]) }
                            for k in 0..<n { let row = base + k * inner; for i in 0..<inner { py[row + i] = px[row + i] - m[i] - s[i] } }
                        } else {
                            for i in 0..<inner { s[i] = 1 / s[i] }
                            for k in 0..<n { let row = base + k * inner; for i in 0..<inner { py[row + i] *= s[i] } }
                        }
                    }
                } }
            }
        }
    }
    return y
}

/// y = kernel(x) over contiguous buffers (the vectorised kernels of gk_math.h).
@inline(__always)
fileprivate func unaryKernel(_ x: Tensor, _ kernel: (Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void) -> Tensor {
    var y = Tensor(uninitializedShape: x.shape)
    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in kernel(Int64(py.count), px.baseAddress, py.baseAddress) } }
    return y
}

/// dx = kernel(saved, g) for a backward pass: saved (an input or output) and the incoming gradient g share a shape.
@inline(__always)
fileprivate func binaryKernel(_ saved: Tensor, _ g: Tensor,
                  _ kernel: (Int64, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void) -> Tensor {
    var dx = Tensor(uninitializedShape: saved.shape)
    saved.withUnsafeBufferPointer { ps in g.withUnsafeBufferPointer { pg in dx.withUnsafeMutableBufferPointer { pd in
        precondition(pg.count == pd.count, "gradient \(shapeDescription(g.shape)) for a value of shape \(shapeDescription(saved.shape))")
        kernel(Int64(pd.count), ps.baseAddress, pg.baseAddress, pd.baseAddress)
    } } }
    return dx
}
