// Fused WaveNet layer for inference (no autograd): the C kernel keeps each tile of time steps in cache.
import CGridKernels

extension Tensor {
    /// One WaveNet residual layer without a graph: z = tanh(conv(h, filter) + filterBias) * sigmoid(conv(h, gate) +
    /// gateBias) with kernel-2 causal convolutions of the given dilation; adds the skip 1x1 conv of z (+ skipBias)
    /// into `skipSum` and returns h + residual 1x1 conv of z (+ residualBias). h [N, C, T], filter/gate [C, C, 2],
    /// skip [S, C, 1], residual [C, C, 1], skipSum [N, S, T].
    public static func waveNetLayer(_ h: Tensor, filter: Tensor, filterBias: Tensor, gate: Tensor, gateBias: Tensor,
                                    skip: Tensor, skipBias: Tensor, residual: Tensor, residualBias: Tensor, dilation: Int,
                                    skipSum: inout Tensor) -> Tensor {
        precondition(h.shape.count == 3, "WaveNet layer: input \(shapeDescription(h.shape)) should be [N, C, T]")
        let n = h.shape[0], c = h.shape[1], t = h.shape[2], s = skip.shape[0]
        precondition(filter.shape == [c, c, 2] && gate.shape == [c, c, 2] && skip.shape == [s, c, 1] && residual.shape == [c, c, 1]
                     && filterBias.shape == [c] && gateBias.shape == [c] && skipBias.shape == [s] && residualBias.shape == [c]
                     && skipSum.shape == [n, s, t] && dilation >= 1,
                     "WaveNet layer: weights or skip sum do not fit input \(shapeDescription(h.shape))")
        var out = Tensor(uninitializedShape: h.shape)
        let ws = [filter, filterBias, gate, gateBias, skip, skipBias, residual, residualBias].map { $0.contiguous() }
        h.withUnsafeBufferPointer { ph in
            ws[0].withUnsafeBufferPointer { wf in ws[1].withUnsafeBufferPointer { bf in
            ws[2].withUnsafeBufferPointer { wg in ws[3].withUnsafeBufferPointer { bg in
            ws[4].withUnsafeBufferPointer { wsk in ws[5].withUnsafeBufferPointer { bsk in
            ws[6].withUnsafeBufferPointer { wr in ws[7].withUnsafeBufferPointer { br in
            skipSum.withUnsafeMutableBufferPointer { psk in out.withUnsafeMutableBufferPointer { po in
                gk_wavenet_layer_forward(Int64(n), Int64(t), Int64(c), Int64(s), Int64(dilation), ph.baseAddress,
                                         wf.baseAddress, bf.baseAddress, wg.baseAddress, bg.baseAddress, wsk.baseAddress,
                                         bsk.baseAddress, wr.baseAddress, br.baseAddress, psk.baseAddress, po.baseAddress)
            } }
            } } } } } } } }
        }
        return out
    }
}
