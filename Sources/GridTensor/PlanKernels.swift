// The kernels an inference plan calls on buffers it owns (GridNN's InferencePlan): no Tensor is allocated, checked
// or copied per call. Callers pass pointers into planned buffers; shapes were validated when the plan was built.
import CGridKernels

/// An activation applied inside a convolution's epilogue, to each output tile while it is still in cache.
public enum FusedActivation: Int32, Sendable, CaseIterable, Codable {
    case none = 0, relu = 1, sigmoid = 2, tanh = 3
}

/// Pointer-level entry points of the compute kernels for planned inference. Every function runs on the kernel
/// threads of `GridRuntime.threads`; pointers must hold the element counts that the geometry implies.
public enum PlanKernels {
    /// The C geometry of `g`, with the batch replaced (1 for per-image calls into strided buffers).
    public static func cGeometry(_ g: ConvGeometry, batch: Int) -> gk_conv_geom {
        var c = g.cGeometry
        c.batch = Int64(batch)
        return c
    }

    /// y = act(conv(x, w) + bias + addend), batch images of `g` (x [batch, Cin, in...], y [batch, Cout, out...]).
    public static func conv(_ g: inout gk_conv_geom, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, addend: UnsafePointer<Float>?, activation: FusedActivation,
                            y: UnsafeMutablePointer<Float>) {
        gk_conv_forward_fused(&g, x, weight, bias, addend, activation.rawValue, y)
    }

    /// Transposed convolution: `g` is the geometry of the convolution whose input gradient it is (so x is shaped
    /// like that convolution's output and y like its input), weights [Cin_T, Cout_T/groups, k...]; then y =
    /// act(y + bias) per channel in one pass.
    public static func convTranspose(_ g: inout gk_conv_geom, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, activation: FusedActivation,
                                     y: UnsafeMutablePointer<Float>) {
        gk_conv_backward_data(&g, x, weight, y)
        let plane = g.in.0 * g.in.1 * g.in.2
        gk_bias_activate(g.batch, g.cin, plane, bias, activation.rawValue, y)
    }

    /// Max pooling of `g` (pooling geometry: groups = channels) without recording the winners.
    public static func maxPool(_ g: inout gk_conv_geom, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        gk_maxpool_forward(&g, x, y, nil)
    }

    /// y[n, c, s] = act(y[n, c, s] + bias[c]) in place (bias may be nil).
    public static func biasActivate(images: Int, channels: Int, plane: Int, bias: UnsafePointer<Float>?,
                                    activation: FusedActivation, y: UnsafeMutablePointer<Float>) {
        gk_bias_activate(Int64(images), Int64(channels), Int64(plane), bias, activation.rawValue, y)
    }

    /// out = a + b over n elements (out may be a or b).
    public static func add(_ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        gk_add(Int64(n), a, b, out)
    }

    /// y += alpha * x over n elements.
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        gk_axpy(Int64(n), alpha, x, y)
    }
}

extension PlanKernels {
    /// y[n, c, s] = x[n, c, s] * scale[c] + shift[c] (an eval-mode batch norm that was not folded).
    public static func affine(images: Int, channels: Int, plane: Int, x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                              shift: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let zeros = [Float](repeating: 0, count: channels), ones = [Float](repeating: 1, count: channels)
        gk_batchnorm_apply(Int64(images), Int64(channels), Int64(plane), x, zeros, scale, ones, shift, y)
    }
}
