// Differentiable convolution, transposed convolution, pooling and upsampling. Autograd is glue here:
// the kernels (conv forward, backward-data, backward-filter) do the work.
import GridTensor

extension Variable {
    /// y = conv(x, w) + b over 1, 2 or 3 spatial dims. x [N, Cin, ...], w [Cout, Cin/groups, k...].
    public static func conv(_ x: Variable, _ w: Variable, bias: Variable? = nil, stride: [Int]? = nil, padding: Padding = .valid,
                            dilation: [Int]? = nil, groups: Int = 1, allowFloor: Bool = false) -> Variable {
        precondition(x.shape.count >= 3 && w.shape.count == x.shape.count,
                     "conv: input \(shapeDescription(x.shape)) and weight \(shapeDescription(w.shape)) need the same rank >= 3")
        let g: ConvGeometry
        do {
            g = try ConvGeometry(batch: x.shape[0], inChannels: x.shape[1], outChannels: w.shape[0], input: Array(x.shape.dropFirst(2)),
                                 kernel: Array(w.shape.dropFirst(2)), stride: stride, dilation: dilation, padding: padding,
                                 groups: groups, allowFloor: allowFloor)
        } catch { preconditionFailure("conv: \(error)") }
        return conv(x, w, bias: bias, geometry: g)
    }

    /// With `adding`, y = conv(x, w) + b + adding in one pass (a residual or skip sum): the addend's gradient is dy.
    public static func conv(_ x: Variable, _ w: Variable, bias: Variable?, adding: Variable? = nil, geometry g: ConvGeometry) -> Variable {
        let y = Tensor.conv(x.value, w.value, bias: bias?.value, adding: adding?.value, geometry: g)
        var parents = [x, w]
        if let bias { parents.append(bias) }
        if let adding { parents.append(adding) }
        let hasBias = bias != nil
        return op(y, parents) { dy in
            let dx = x.requiresGrad ? Tensor.convBackwardData(dy, w.value, geometry: g) : nil
            var grads: [Tensor?] = [dx, nil]
            if hasBias { grads.append(nil) }
            if w.requiresGrad || (bias?.requiresGrad ?? false) {
                let (dw, db) = Tensor.convBackwardFilter(x.value, dy, geometry: g, withBias: hasBias)
                grads[1] = dw
                if hasBias { grads[2] = db }
            }
            if adding != nil { grads.append(dy) }
            return grads
        }
    }

    /// Transposed convolution. x [N, Cin, ...], w [Cin, Cout/groups, k...] (PyTorch's layout), bias [Cout].
    public static func convTranspose(_ x: Variable, _ w: Variable, bias: Variable? = nil, stride: [Int], padding: [Int]? = nil,
                                     outputPadding: [Int]? = nil, dilation: [Int]? = nil, groups: Int = 1) -> Variable {
        let r = x.shape.count - 2
        let zeros = [Int](repeating: 0, count: r), ones = [Int](repeating: 1, count: r)
        let g: ConvGeometry
        do {
            g = try ConvGeometry.transposed(batch: x.shape[0], inChannels: x.shape[1], outChannels: w.shape[1] * groups,
                                            input: Array(x.shape.dropFirst(2)), kernel: Array(w.shape.dropFirst(2)), stride: stride,
                                            padding: padding ?? zeros, outputPadding: outputPadding ?? zeros,
                                            dilation: dilation ?? ones, groups: groups)
        } catch { preconditionFailure("conv transpose: \(error)") }
        precondition(w.shape[0] == x.shape[1], "conv transpose: weight \(shapeDescription(w.shape)) does not take \(x.shape[1]) input channels")
        // The transposed convolution is the input-gradient of the convolution g (whose weights have the same layout).
        var y = Tensor.convBackwardData(x.value, w.value, geometry: g)
        if let bias { y = y + bias.value.reshaped([1, bias.shape[0]] + ones) }
        let parents = bias.map { [x, w, $0] } ?? [x, w]
        return op(y, parents) { dy in
            let dx = x.requiresGrad ? Tensor.conv(dy, w.value, bias: nil, geometry: g) : nil
            let dw = w.requiresGrad ? Tensor.convBackwardFilter(dy, x.value, geometry: g, withBias: false).0 : nil
            let db = bias.map { _ in dy.sum(axes: [0] + Array(2..<(r + 2))) }
            return [dx, dw, db]
        }
    }

    /// Max pooling; `indices` of the winners are kept for the backward pass (and for unpooling).
    public func maxPool(kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil) -> (Variable, indices: [Int64], geometry: ConvGeometry) {
        let g: ConvGeometry
        do {
            g = try .pooling(batch: shape[0], channels: shape[1], input: Array(shape.dropFirst(2)), kernel: kernel, stride: stride, padding: padding)
        } catch { preconditionFailure("max pool: \(error)") }
        let (y, idx) = Tensor.maxPool(value, geometry: g)
        return (.op(y, [self]) { dy in [Tensor.maxUnpool(dy, indices: idx, geometry: g)] }, idx, g)
    }

    /// Max pooling of `[N, C, spatial...]` with one kernel size per spatial axis (stride defaults to the kernel, padding
    /// to 0); the gradient goes to each window's maximum. Traps when the sizes do not fit.
    public func maxPooled(kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil) -> Variable {
        maxPool(kernel: kernel, stride: stride, padding: padding).0
    }

    /// Places values at the recorded argmax positions of an earlier max pool (SegNet's unpooling).
    public func maxUnpooled(indices: [Int64], geometry g: ConvGeometry) -> Variable {
        .op(Tensor.maxUnpool(value, indices: indices, geometry: g), [self]) { dy in
            // Gather back from the same positions.
            var dx = Tensor(uninitializedShape: g.outputShape)
            let plane = g.input.reduce(1, *), outPlane = g.output.reduce(1, *)
            dy.withUnsafeBufferPointer { pdy in dx.withUnsafeMutableBufferPointer { pdx in
                for i in 0..<pdx.count { pdx[i] = pdy[(i / outPlane) * plane + Int(indices[i])] }
            } }
            return [dx]
        }
    }

    /// Average pooling of `[N, C, spatial...]` (stride defaults to the kernel); with `countIncludePad` padded cells count
    /// as zeros in each mean. Traps when the sizes do not fit.
    public func avgPooled(kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil, countIncludePad: Bool = true) -> Variable {
        let g: ConvGeometry
        do {
            g = try .pooling(batch: shape[0], channels: shape[1], input: Array(shape.dropFirst(2)), kernel: kernel, stride: stride, padding: padding)
        } catch { preconditionFailure("average pool: \(error)") }
        return .op(Tensor.avgPool(value, geometry: g, countIncludePad: countIncludePad), [self]) { dy in
            [Tensor.avgPoolBackward(dy, geometry: g, countIncludePad: countIncludePad)]
        }
    }

    /// Mean over all spatial positions: [N, C, ...] -> [N, C].
    public func globalAvgPooled() -> Variable { mean(axes: Array(2..<shape.count)) }

    /// How ``upsampled(scale:mode:)`` fills new cells: copies of the nearest cell, or (bi/tri)linear interpolation with
    /// half-pixel centres (PyTorch's `align_corners=False`).
    public enum UpsampleMode: String, Codable, Sendable { case nearest, linear }

    /// Resizes every spatial axis by an integer factor (nearest, or (bi/tri)linear with half-pixel centres).
    public func upsampled(scale: Int, mode: UpsampleMode = .nearest) -> Variable {
        let axes = Array(2..<shape.count)
        let taps = axes.map { mode == .nearest ? AxisTaps.nearest(from: shape[$0], to: shape[$0] * scale)
                                               : AxisTaps.linear(from: shape[$0], to: shape[$0] * scale) }
        var y = value
        for (a, t) in zip(axes, taps) { y = y.applyingTaps(t, axis: a) }
        return .op(y, [self]) { g in
            var dx = g
            for (a, t) in zip(axes, taps).reversed() { dx = dx.applyingTapsAdjoint(t, axis: a) }
            return [dx]
        }
    }
}
