// Row-wise Winograd (rowwino.c, rowwino_bwf.c): the forward F(4,9) and backward filter F(9,4) of 9-wide kernels
// against the reference convolution, bitwise equal on 1 and 2 threads; backward data stays on the other kernels.
import CGridKernels
import Testing

let rowWinogradCases: [ConvCase] = [
    ConvCase(name: "rowwino 2->64 9x9 pad4 (SRCNN)", cin: 2, cout: 64, input: [14, 18], kernel: [9, 9], padLo: [4, 4]),
    ConvCase(name: "rowwino 1->16 9x9 no pad", cin: 1, cout: 16, input: [12, 40], kernel: [9, 9]),
    ConvCase(name: "rowwino 5->70 9x9 asym pad, ragged row end", cin: 5, cout: 70, input: [10, 53], kernel: [9, 9],
             padLo: [3, 4], padHi: [5, 2]),
    ConvCase(name: "rowwino 3->24 3x9", cin: 3, cout: 24, input: [7, 29], kernel: [3, 9], padLo: [1, 4]),
    ConvCase(name: "rowwino 16->32 5x9 wide rows (column chunks)", cin: 16, cout: 32, input: [6, 300], kernel: [5, 9],
             padLo: [2, 4]),
    ConvCase(name: "rowwino 2->17 9x9 tall (row bands)", cin: 2, cout: 17, input: [40, 20], kernel: [9, 9], padLo: [4, 4]),
]

extension GridKernelTests {
    @Test("row Winograd forward == ref, bitwise equal on 1 and 2 threads", arguments: rowWinogradCases, [1, 3])
    func rowWinogradMatchesReference(_ c: ConvCase, batch: Int) {
        var g = c.geom(batch: batch)
        #expect(gk_conv_path(&g, 0) == Int32(GK_PATH_ROWWINO) && gk_conv_path(&g, 2) == Int32(GK_PATH_ROWWINO), "\(c.name)")
        #expect(gk_conv_path(&g, 1) != Int32(GK_PATH_ROWWINO))
        // Rounding in the transforms: forward ~2e-6 of sum |w||x| (~1e-5 of max |y|); backward filter, whose A2 has
        // entries up to 2^8, 1e-5 to 2.5e-5 of max |dw| measured; 1e-4 leaves headroom.
        checkAgainstReference(g, seed: UInt64(c.name.utf8.count * 7907 + batch), rel: 1e-4)
    }

    @Test("row Winograd is not taken where it would lose: one 9-tap row of 3 channels, few outputs, stride 2")
    func rowWinogradDeclines() {
        for c in [ConvCase(name: "1x9 3->32", cin: 3, cout: 32, input: [4, 40], kernel: [1, 9]),
                  ConvCase(name: "9x9 2->8", cin: 2, cout: 8, input: [20, 40], kernel: [9, 9]),
                  ConvCase(name: "9x9 2->64 stride 2", cin: 2, cout: 64, input: [40, 60], kernel: [9, 9], stride: [2, 2])] {
            var g = c.geom(batch: 1)
            #expect(gk_conv_path(&g, 0) != Int32(GK_PATH_ROWWINO), "\(c.name)")
        }
    }
}
