import CGridKernels
import Testing

/// Long 1-D convolutions (WaveNet / audio shapes, shortened): tiles of >= 512 positions go through the small-K GEMM
/// (no B packing, bias fused), narrow backward-filter products through the A*B^T dot-product kernel, and the
/// backward passes of kernel >= 2 layers through per-tap GEMMs (conv_taps.c). All against the naive kernels.
let sequenceConvCases: [(ConvCase, backwardPath: Int32)] = [
    (ConvCase(name: "1d 1x1 32->48 @4096", cin: 32, cout: 48, input: [4096], kernel: [1]), Int32(GK_PATH_POINTWISE)),
    (ConvCase(name: "1d 1x1 64->16 @2048", cin: 64, cout: 16, input: [2048], kernel: [1]), Int32(GK_PATH_POINTWISE)),
    (ConvCase(name: "1d k2 dil4 causal 16->24 @4096", cin: 16, cout: 24, input: [4096], kernel: [2], dilation: [4],
              padLo: [4], padHi: [0]), Int32(GK_PATH_TAPS)),
    (ConvCase(name: "1d k3 dil2 same 12->10 @1500", cin: 12, cout: 10, input: [1500], kernel: [3], dilation: [2],
              padLo: [2], padHi: [2]), Int32(GK_PATH_TAPS)),
    (ConvCase(name: "1d k5 valid 8->9 @700 (taps past both ends)", cin: 8, cout: 9, input: [700], kernel: [5]),
     Int32(GK_PATH_TAPS)),
    (ConvCase(name: "1d k2 dil600 causal 8->8 @700 (tap mostly in padding)", cin: 8, cout: 8, input: [700], kernel: [2],
              dilation: [600], padLo: [600], padHi: [0]), Int32(GK_PATH_TAPS)),
]

extension GridKernelTests {
    @Test("long 1-D convs (small-K GEMM, A*B^T, per-tap GEMMs) == ref, bitwise equal on 1 and 2 threads",
          arguments: 0..<sequenceConvCases.count, [1, 2])
    func sequenceConvMatchesReference(_ i: Int, batch: Int) {
        let (c, backwardPath) = sequenceConvCases[i]
        var g = c.geom(batch: batch)
        #expect(gk_conv_path(&g, 1) == backwardPath && gk_conv_path(&g, 2) == backwardPath, "\(c.name) backward path")
        checkAgainstReference(g, seed: UInt64(c.name.utf8.count * 7919 + batch))
    }

    @Test("long 1-D conv forward with an addend (small-K GEMM accumulating into addend + bias)", arguments: 0..<sequenceConvCases.count)
    func sequenceForwardAdding(_ i: Int) {
        var g = sequenceConvCases[i].0.geom(batch: 1)
        var r = Rand(UInt64(i * 131 + 7))
        let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout)), a = r.array(g.yCount)
        var y = [Float](repeating: .nan, count: g.yCount), ya = y
        gk_conv_forward(&g, x, w, b, &y)
        gk_conv_forward_add(&g, x, w, b, a, &ya)
        expectClose(ya, zip(y, a).map { $0 + $1 }, "forward + addend")
    }
}
