import CGridKernels
import Testing

/// Stride-1, ungrouped geometries with at most 4 channels on one side: the public gk_conv_* entry points send
/// these to the direct kernels (direct.c). Odd widths exercise the row-end segments, wide rows the column chunks,
/// many input channels the channel blocks of the forward pass.
let directConvCases: [ConvCase] = [
    ConvCase(name: "direct 2d 32->1 5x5 pad2", cin: 32, cout: 1, input: [13, 19], kernel: [5, 5], padLo: [2, 2]),
    ConvCase(name: "direct 2d 40->2 3x3 pad1 (channel blocks)", cin: 40, cout: 2, input: [9, 70], kernel: [3, 3],
             padLo: [1, 1]),
    ConvCase(name: "direct 2d 6->3 3x3 no pad", cin: 6, cout: 3, input: [11, 10], kernel: [3, 3]),
    ConvCase(name: "direct 2d 5->4 dil2 pad2", cin: 5, cout: 4, input: [12, 17], kernel: [3, 3], dilation: [2, 2],
             padLo: [2, 2]),
    ConvCase(name: "direct 2d 2->64 9x9 pad4 (rows too short for row Winograd)", cin: 2, cout: 64, input: [14, 12],
             kernel: [9, 9], padLo: [4, 4]),
    ConvCase(name: "direct 2d 2->32 3x3 pad1", cin: 2, cout: 32, input: [16, 16], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "direct 2d 3->5 4x4 asym pad", cin: 3, cout: 5, input: [8, 9], kernel: [4, 4], padLo: [1, 2],
             padHi: [2, 1]),
    ConvCase(name: "direct 2d 9->1 1x1", cin: 9, cout: 1, input: [8, 16], kernel: [1, 1]),
    ConvCase(name: "direct 2d 7->1 1x1 pad1", cin: 7, cout: 1, input: [5, 6], kernel: [1, 1], padLo: [1, 1]),
    ConvCase(name: "direct 2d 3->2 wide 5x5", cin: 3, cout: 2, input: [3, 600], kernel: [5, 5], padLo: [2, 2]),
    ConvCase(name: "direct 1d causal 2->3 dil2", cin: 2, cout: 3, input: [16], kernel: [3], dilation: [2],
             padLo: [4], padHi: [0]),
    ConvCase(name: "direct 1d causal 8->1 k5", cin: 8, cout: 1, input: [37], kernel: [5], padLo: [4], padHi: [0]),
    ConvCase(name: "direct 1d long 2->2 k7", cin: 2, cout: 2, input: [1500], kernel: [7], padLo: [3]),
    ConvCase(name: "direct 3d 2->3 k3 pad1", cin: 2, cout: 3, input: [5, 6, 7], kernel: [3, 3, 3], padLo: [1, 1, 1]),
    ConvCase(name: "direct 3d 4->2 mixed dil", cin: 4, cout: 2, input: [7, 8, 9], kernel: [2, 3, 3],
             dilation: [2, 1, 1], padLo: [1, 0, 2], padHi: [0, 1, 1]),
]

extension GridKernelTests {
    @Test("direct conv == ref, and bitwise equal on 1 and 2 threads", arguments: directConvCases, [1, 3])
    func directConvMatchesReference(_ c: ConvCase, batch: Int) {
        var g = c.geom(batch: batch)
        // forward and backward filter always go direct here; backward data only where few outputs make it pay
        #expect(gk_conv_path(&g, 0) == Int32(GK_PATH_DIRECT) && gk_conv_path(&g, 2) == Int32(GK_PATH_DIRECT), "\(c.name) path")
        checkAgainstReference(g, seed: UInt64(c.name.utf8.count * 7907 + batch))
    }

    @Test("direct conv forward without bias")
    func directConvNoBias() {
        // 1x3 kernel over one 10-wide row, cin 2 -> cout 1, pad 1: y[j] = sum_c sum_k w[c,k] x[c, j + k - 1].
        var g = ConvCase(name: "", cin: 2, cout: 1, input: [10], kernel: [3], padLo: [1]).geom(batch: 1)
        let x: [Float] = (0..<20).map { Float($0) }, w: [Float] = [1, 2, 3, -1, 0, 1]
        var y = [Float](repeating: .nan, count: 10)
        gk_conv_forward(&g, x, w, nil, &y)
        var want = [Float](repeating: 0, count: 10)
        for j in 0..<10 {
            for c in 0..<2 {
                for k in 0..<3 where j + k - 1 >= 0 && j + k - 1 < 10 { want[j] += w[c * 3 + k] * x[c * 10 + j + k - 1] }
            }
        }
        #expect(y == want)
    }
}
