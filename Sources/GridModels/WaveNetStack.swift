// Fused WaveNet residual stack for inference (no autograd): the C kernel keeps each tile of time steps in cache.
import CGridKernels
import GridTensor

/// One residual layer's parameters, PyTorch layout: filter/gate [C, C, 2], skip [S, C, 1], residual [C, C, 1].
public struct WaveNetLayerWeights {
    /// Filter and gate convolution weights `[C, C, 2]` and their biases `[C]`.
    public var filter: Tensor, filterBias: Tensor, gate: Tensor, gateBias: Tensor
    /// Skip weights `[S, C, 1]` with bias `[S]`, residual weights `[C, C, 1]` with bias `[C]`.
    public var skip: Tensor, skipBias: Tensor, residual: Tensor, residualBias: Tensor
    /// The layer's dilation.
    public var dilation: Int

    /// One layer's weights (checked against the input's width when the stack runs).
    public init(filter: Tensor, filterBias: Tensor, gate: Tensor, gateBias: Tensor, skip: Tensor, skipBias: Tensor,
                residual: Tensor, residualBias: Tensor, dilation: Int) {
        self.filter = filter; self.filterBias = filterBias; self.gate = gate; self.gateBias = gateBias
        self.skip = skip; self.skipBias = skipBias; self.residual = residual; self.residualBias = residualBias
        self.dilation = dilation
    }
}

extension Tensor {
    /// WaveNet's residual layers without a graph: for each layer, z = tanh(conv(h, filter) + filterBias) *
    /// sigmoid(conv(h, gate) + gateBias) (kernel-2 causal convolutions of the layer's dilation), the skip sum gains
    /// skip * z + skipBias and h becomes h + residual * z + residualBias. h [N, C, T]; returns the skip sum [N, S, T].
    public static func waveNetStack(_ h: Tensor, layers: [WaveNetLayerWeights]) -> Tensor {
        precondition(h.shape.count == 3 && !layers.isEmpty, "WaveNet stack: input \(shapeDescription(h.shape)) should be [N, C, T]")
        let n = h.shape[0], c = h.shape[1], t = h.shape[2], s = layers[0].skip.shape[0]
        var params = [Float]()
        for l in layers {
            let weightsFit: Bool = l.filter.shape == [c, c, 2] && l.gate.shape == [c, c, 2] && l.skip.shape == [s, c, 1]
                && l.residual.shape == [c, c, 1]
            let biasesFit: Bool = l.filterBias.shape == [c] && l.gateBias.shape == [c] && l.skipBias.shape == [s]
                && l.residualBias.shape == [c]
            precondition(weightsFit && biasesFit && l.dilation >= 1, "WaveNet stack: a layer's weights do not fit input \(shapeDescription(h.shape))")
            for p in [l.filter, l.filterBias, l.gate, l.gateBias, l.skip, l.skipBias, l.residual, l.residualBias] { params += p.scalars }
        }
        let dilations = layers.map { Int64($0.dilation) }
        var skipSum = Tensor(uninitializedShape: [n, s, t])
        h.withUnsafeBufferPointer { ph in skipSum.withUnsafeMutableBufferPointer { ps in
            gk_wavenet_stack_forward(Int64(n), Int64(t), Int64(c), Int64(s), Int64(layers.count), dilations, params,
                                     ph.baseAddress, ps.baseAddress)
        } }
        return skipSum
    }
}
