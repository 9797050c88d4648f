// Convolution and pooling on Tensors: shape checks here, loops in CGridKernels.
import CGridKernels

/// Process-wide settings of the compute kernels.
public enum GridRuntime {
    /// Threads the kernels use (default 1: deterministic and the benchmark headline).
    public static var threads: Int {
        get { Int(gk_get_num_threads()) }
        set { gk_set_num_threads(Int32(max(newValue, 1))) }
    }
    /// Runs `body` with `count` kernel threads and gives the previous count back after (library code uses this
    /// rather than leaving the process-wide setting changed).
    public static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let previous = threads
        threads = count
        defer { threads = previous }
        return try body()
    }
    /// 3 = AVX-512, 2 = AVX2+FMA, 1 = baseline x86-64: which kernel variants run on this CPU.
    public static var cpuLevel: Int { Int(gk_cpu_level()) }
    /// Keeps freed tensor buffers in the process heap instead of returning them to the kernel, so a training
    /// loop that frees and reallocates the same large tensors every step stops paying page faults and zeroing
    /// (~8% of a WaveNet step). A process-wide malloc policy: for applications (the CLI calls it), not libraries.
    public static func keepFreedMemory() { gk_keep_freed_memory() }
}

extension ConvGeometry {
    /// Which kernel runs each pass for this geometry (forward, backward data, backward filter): "winograd",
    /// "direct", "taps" (1-D, the taps read in place), "depthwise", "pointwise" (1x1 as a plain GEMM), "im2col" or "batched" (forward over many tiny images: one GEMM for all).
    public var kernelPaths: [String] {
        var cg = cGeometry
        let names = ["im2col", "pointwise", "depthwise", "direct", "winograd", "taps", "batched"]
        return (0..<3).map { names[Int(gk_conv_path(&cg, Int32($0)))] }
    }
}

extension Tensor {
    private func checkInput(_ g: ConvGeometry, _ what: String) {
        precondition(shape == g.inputShape, "\(what): input \(shapeDescription(shape)) does not match the geometry's \(shapeDescription(g.inputShape))")
    }

    /// y = conv(x, w) + b (+ adding). x [N, Cin, ...], w [Cout, Cin/groups, k...], b [Cout] or nil, adding (a
    /// residual sum to add, output-shaped) or nil: the GEMM paths start y at adding + b, so the sum is free.
    public static func conv(_ x: Tensor, _ w: Tensor, bias: Tensor?, adding: Tensor? = nil, geometry g: ConvGeometry) -> Tensor {
        x.checkInput(g, "conv")
        precondition(w.shape == g.weightShape, "conv: weight \(shapeDescription(w.shape)) does not match \(shapeDescription(g.weightShape))")
        if let bias { precondition(bias.shape == [g.outChannels], "conv: bias \(shapeDescription(bias.shape)) should be [\(g.outChannels)]") }
        if let adding { precondition(adding.shape == g.outputShape, "conv: addend \(shapeDescription(adding.shape)) should be \(shapeDescription(g.outputShape))") }
        var y = Tensor(uninitializedShape: g.outputShape)
        var cg = g.cGeometry
        let b = bias?.contiguous(), a = adding?.contiguous()
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
            let run = { (pb: UnsafePointer<Float>?) in
                if let a {
                    a.withUnsafeBufferPointer { pa in gk_conv_forward_add(&cg, px.baseAddress, pw.baseAddress, pb, pa.baseAddress, py.baseAddress) }
                } else {
                    gk_conv_forward(&cg, px.baseAddress, pw.baseAddress, pb, py.baseAddress)
                }
            }
            if let b { b.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
        } } }
        return y
    }

    /// Gradient of conv wrt its input (also the forward pass of transposed convolution).
    public static func convBackwardData(_ dy: Tensor, _ w: Tensor, geometry g: ConvGeometry) -> Tensor {
        precondition(dy.shape == g.outputShape, "conv backward: gradient \(shapeDescription(dy.shape)) does not match \(shapeDescription(g.outputShape))")
        precondition(w.shape == g.weightShape, "conv backward: weight \(shapeDescription(w.shape)) does not match \(shapeDescription(g.weightShape))")
        var dx = Tensor(uninitializedShape: g.inputShape)
        var cg = g.cGeometry
        dy.withUnsafeBufferPointer { pdy in w.withUnsafeBufferPointer { pw in dx.withUnsafeMutableBufferPointer { pdx in
            gk_conv_backward_data(&cg, pdy.baseAddress, pw.baseAddress, pdx.baseAddress)
        } } }
        return dx
    }

    /// Gradients of conv wrt its weights and bias.
    public static func convBackwardFilter(_ x: Tensor, _ dy: Tensor, geometry g: ConvGeometry, withBias: Bool) -> (Tensor, Tensor?) {
        x.checkInput(g, "conv backward")
        var dw = Tensor(uninitializedShape: g.weightShape)
        var db: Tensor? = withBias ? Tensor(uninitializedShape: [g.outChannels]) : nil
        var cg = g.cGeometry
        x.withUnsafeBufferPointer { px in dy.withUnsafeBufferPointer { pdy in dw.withUnsafeMutableBufferPointer { pdw in
            if db != nil {
                db!.withUnsafeMutableBufferPointer { pdb in gk_conv_backward_filter(&cg, px.baseAddress, pdy.baseAddress, pdw.baseAddress, pdb.baseAddress) }
            } else {
                gk_conv_backward_filter(&cg, px.baseAddress, pdy.baseAddress, pdw.baseAddress, nil)
            }
        } } }
        return (dw, db)
    }

    /// Max pooling: values and, per output, the flat index of the winner within its input plane.
    public static func maxPool(_ x: Tensor, geometry g: ConvGeometry) -> (Tensor, [Int64]) {
        x.checkInput(g, "max pool")
        var y = Tensor(uninitializedShape: g.outputShape)
        var idx = [Int64](repeating: 0, count: y.count)
        var cg = g.cGeometry
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in idx.withUnsafeMutableBufferPointer { pi in
            gk_maxpool_forward(&cg, px.baseAddress, py.baseAddress, pi.baseAddress)
        } } }
        return (y, idx)
    }

    /// Routes dy to the recorded winners (max-pool backward, and max-unpooling).
    public static func maxUnpool(_ dy: Tensor, indices: [Int64], geometry g: ConvGeometry) -> Tensor {
        precondition(dy.shape == g.outputShape && indices.count == dy.count,
                     "max unpool: \(shapeDescription(dy.shape)) with \(indices.count) indices does not match \(shapeDescription(g.outputShape))")
        var dx = Tensor(uninitializedShape: g.inputShape)
        var cg = g.cGeometry
        dy.withUnsafeBufferPointer { pdy in dx.withUnsafeMutableBufferPointer { pdx in indices.withUnsafeBufferPointer { pi in
            gk_maxpool_backward(&cg, pdy.baseAddress, pi.baseAddress, pdx.baseAddress)
        } } }
        return dx
    }

    /// Average pooling of `x` (`g.inputShape`) into `g.outputShape`; with `countIncludePad` padded cells count as zeros
    /// in the mean (PyTorch's default), otherwise each window averages only its cells inside the input.
    public static func avgPool(_ x: Tensor, geometry g: ConvGeometry, countIncludePad: Bool = true) -> Tensor {
        x.checkInput(g, "average pool")
        var y = Tensor(uninitializedShape: g.outputShape)
        var cg = g.cGeometry
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
            gk_avgpool_forward(&cg, px.baseAddress, py.baseAddress, countIncludePad ? 1 : 0)
        } }
        return y
    }

    /// The gradient of ``avgPool(_:geometry:countIncludePad:)``: `dy` (`g.outputShape`) spread evenly back over each
    /// window, shape `g.inputShape`.
    public static func avgPoolBackward(_ dy: Tensor, geometry g: ConvGeometry, countIncludePad: Bool = true) -> Tensor {
        var dx = Tensor(uninitializedShape: g.inputShape)
        var cg = g.cGeometry
        dy.withUnsafeBufferPointer { pdy in dx.withUnsafeMutableBufferPointer { pdx in
            gk_avgpool_backward(&cg, pdy.baseAddress, pdx.baseAddress, countIncludePad ? 1 : 0)
        } }
        return dx
    }
}
