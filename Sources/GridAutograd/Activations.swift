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

    /// max(x, 0) elementwise; the gradient passes where the output is positive.
    public func relu() -> Variable {
        // The backward mask comes from the output (y > 0 exactly where x > 0): the output is usually kept anyway
        // as the next layer's input, so the input can be freed.
        let y = value.relu()
        return .op(y, [self]) { g in
            var dx = Tensor(uninitializedShape: y.shape)
            y.withUnsafeBufferPointer { px in g.withUnsafeBufferPointer { pg in dx.withUnsafeMutableBufferPointer { pd in
                gk_relu_backward(Int64(pd.count), px.baseAddress, pg.baseAddress, pd.baseAddress)
            } } }
            return [dx]
        }
    }
    /// x where x > 0, `slope` x elsewhere.
    public func leakyRelu(_ slope: Float = 0.01) -> Variable {
        let x = value
        return .op(unaryKernel(x) { gk_leaky_relu_forward($0, $1, slope, $2) }, [self]) { g in
            [binaryKernel(x, g) { gk_leaky_relu_backward($0, $1, $2, slope, $3) }]
        }
    }
    /// x where x > 0, `alpha` (e^x - 1) elsewhere.
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
    /// 1 / (1 + e^-x) elementwise, stable for large |x|.
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return .op(y, [self]) { g in [binaryKernel(y, g) { gk_sigmoid_backward($0, $1, $2, $3) }] }
    }
    /// Hyperbolic tangent elementwise.
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
    /// e^x elementwise.
    public func exp() -> Variable {
        let y = value.exp()
        return .op(y, [self]) { g in [y * g] }
    }
    /// Natural logarithm elementwise (the gradient 1/x is infinite at 0: clamp first where zeros can occur).
    public func log() -> Variable {
        let x = value
        return .op(x.log(), [self]) { g in [binaryKernel(x, g) { gk_log_backward($0, $1, $2, $3) }] }
    }
    /// Square root elementwise (infinite gradient at 0).
    public func sqrt() -> Variable { pointwise({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// x² elementwise.
    public func squared() -> Variable { pointwise({ $0 * $0 }, derivative: { x, _ in 2 * x }) }
    /// |x| elementwise; the gradient at 0 is 0.
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

    /// WaveNet's gate on one tensor holding filter and gate pre-activations: [N, 2C, ...] -> tanh(first C
    /// channels) * sigmoid(last C channels), [N, C, ...]. Lets the two convolutions run as one (one im2col, one
    /// GEMM with twice the rows) without copying the halves apart.
    public static func gatedActivation(stacked fg: Variable) -> Variable {
        precondition(fg.shape.count >= 2 && fg.shape[1] % 2 == 0, "gate: channel count of \(shapeDescription(fg.shape)) must be even")
        let n = fg.shape[0], half = fg.shape[1] / 2, plane = half * fg.shape.dropFirst(2).reduce(1, *)
        var shape = fg.shape
        shape[1] = half
        let keep = GradMode.isEnabled && fg.requiresGrad   // tanh and sigmoid are only kept for a backward pass
        var y = Tensor(uninitializedShape: shape)
        var ta = Tensor(uninitializedShape: keep ? shape : [0]), sb = Tensor(uninitializedShape: keep ? shape : [0])
        fg.value.withUnsafeBufferPointer { p in
            y.withUnsafeMutableBufferPointer { py in ta.withUnsafeMutableBufferPointer { pt in sb.withUnsafeMutableBufferPointer { ps in
                for i in 0..<n {
                    let a = p.baseAddress! + 2 * i * plane, o = i * plane
                    gk_gate_forward(Int64(plane), a, a + plane, py.baseAddress! + o, keep ? pt.baseAddress! + o : nil,
                                    keep ? ps.baseAddress! + o : nil)
                }
            } } }
        }
        let fgShape = fg.shape
        return op(y, [fg]) { g in
            var d = Tensor(uninitializedShape: fgShape)
            ta.withUnsafeBufferPointer { pt in sb.withUnsafeBufferPointer { ps in g.withUnsafeBufferPointer { pg in
                d.withUnsafeMutableBufferPointer { pd in
                    precondition(pg.count == n * plane, "gate: gradient \(shapeDescription(g.shape)) for \(shapeDescription(shape))")
                    for i in 0..<n {
                        let o = i * plane, da = pd.baseAddress! + 2 * i * plane
                        gk_gate_backward(Int64(plane), pt.baseAddress! + o, ps.baseAddress! + o, pg.baseAddress! + o, da, da + plane)
                    }
                }
            } } }
            return [d]
        }
    }

    /// Softmax along `axis` (the channel axis by default, `[N, C, ...]`), stable for large values.
    public func softmax(axis: Int = 1) -> Variable {
        let ax = normalizeAxis(axis, rank: shape.count)
        let y = softmaxForward(value, axis: ax, log: false)
        return .op(y, [self]) { g in
            // dx = y * (g - sum(g * y))
            let s = (g * y).sum(axes: [ax], keepDims: true)
            return [y * (g - s)]
        }
    }

    /// log(softmax) along `axis`, computed directly (no log of a tiny number).
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
    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
        gk_softmax(Int64(outer), Int64(n), Int64(inner), px.baseAddress, py.baseAddress, log ? 1 : 0)
    } }
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
