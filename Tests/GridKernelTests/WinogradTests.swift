import CGridKernels
import Testing

/// 3x3 stride-1 convolutions that the Winograd F(4x4, 3x3) path takes (>= 5 channels: 4 or fewer go to the direct kernels; outputs >= 8x8): edge tiles
/// of every width, pads 0-2 (also asymmetric), cin != cout, and shapes that need several tile chunks.
let winogradCases: [ConvCase] = [
    ConvCase(name: "wino 16->16 8x8 pad1", cin: 16, cout: 16, input: [8, 8], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "wino 8->12 13x9 pad1", cin: 8, cout: 12, input: [13, 9], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "wino 6->5 12x10 pad0", cin: 6, cout: 5, input: [12, 10], kernel: [3, 3]),
    ConvCase(name: "wino 5->7 9x8 pad2", cin: 5, cout: 7, input: [9, 8], kernel: [3, 3], padLo: [2, 2]),
    ConvCase(name: "wino 5->9 10x11 asym pad", cin: 5, cout: 9, input: [10, 11], kernel: [3, 3], padLo: [2, 0],
             padHi: [0, 2]),
    ConvCase(name: "wino 16->16 48x48 chunks", cin: 16, cout: 16, input: [48, 48], kernel: [3, 3], padLo: [1, 1]),
]

extension GridKernelTests {
    @Test("winograd-eligible conv == ref, and bitwise equal on 1 and 2 threads", arguments: winogradCases, [1, 2])
    func winogradMatchesReference(_ c: ConvCase, batch: Int) {
        var g = c.geom(batch: batch)
        for which: Int32 in 0...2 { #expect(gk_conv_path(&g, which) == Int32(GK_PATH_WINOGRAD), "\(c.name) pass \(which) path") }
        // F(4x4, 3x3) rounds in the transforms: measured <= ~1.4e-5 relative to max |ref|; 5e-5 leaves headroom.
        checkAgainstReference(g, seed: UInt64(c.name.utf8.count * 7907 + batch), rel: 5e-5)
    }

    /// Inference plans transform and pack the filter once (gk_conv_prepare); the forward from that prepared filter
    /// must be the forward that transforms it itself, bit for bit (same transform, same per-element sums).
    @Test("winograd forward from a prepared filter equals the plain forward", arguments: winogradCases, [1, 3])
    func winogradPreparedFilter(_ c: ConvCase, batch: Int) {
        var g = c.geom(batch: batch)
        var r = Rand(UInt64(c.name.utf8.count + batch))
        let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout))
        var prepared = [Float](repeating: .nan, count: Int(gk_conv_prepared_floats(&g)))
        #expect(prepared.count > 0, "\(c.name): a Winograd filter has a prepared form")
        gk_conv_prepare(&g, w, &prepared)
        for act in [Int32(GK_ACT_NONE), Int32(GK_ACT_RELU)] {
            var plain = [Float](repeating: .nan, count: g.yCount), fromPrepared = plain
            gk_conv_forward_fused(&g, x, w, b, nil, act, &plain)
            withThreads(2) { gk_conv_forward_prepared(&g, x, w, prepared, b, nil, act, &fromPrepared) }
            expectSame(fromPrepared, plain, "\(c.name) act \(act): prepared vs plain")
        }
    }

    /// A plan prepares a filter once for its batch, then runs it on the whole batch or on one image at a time (where
    /// the output lies inside a concatenation): the prepared form must not depend on the batch it was made for.
    /// 16 -> 128 channels at 40 x 40 packs in different output blocks at batch 1 and 3 if the batch decides.
    @Test("a filter prepared for one batch serves another")
    func winogradPreparedAcrossBatches() {
        let c = ConvCase(name: "3x3 16->128 40x40", cin: 16, cout: 128, input: [40, 40], kernel: [3, 3], padLo: [1, 1])
        var r = Rand(29)
        let w = r.array(c.geom(batch: 1).wCount), b = r.array(128)
        for (prepareBatch, runBatch) in [(1, 3), (3, 1)] {
            var gp = c.geom(batch: prepareBatch), g = c.geom(batch: runBatch)
            let x = r.array(g.xCount)
            var prepared = [Float](repeating: .nan, count: Int(gk_conv_prepared_floats(&gp)))
            gk_conv_prepare(&gp, w, &prepared)
            var plain = [Float](repeating: .nan, count: g.yCount), fromPrepared = plain
            gk_conv_forward_fused(&g, x, w, b, nil, Int32(GK_ACT_NONE), &plain)
            gk_conv_forward_prepared(&g, x, w, prepared, b, nil, Int32(GK_ACT_NONE), &fromPrepared)
            expectSame(fromPrepared, plain, "prepared at batch \(prepareBatch), run at batch \(runBatch)")
        }
    }

    @Test("winograd forward without bias equals forward with zero bias")
    func winogradNoBias() {
        var g = winogradCases[0].geom(batch: 1)
        var r = Rand(11)
        let x = r.array(g.xCount), w = r.array(g.wCount)
        var y0 = [Float](repeating: .nan, count: g.yCount), y1 = y0
        gk_conv_forward(&g, x, w, nil, &y0)
        gk_conv_forward(&g, x, w, [Float](repeating: 0, count: Int(g.cout)), &y1)
        expectSame(y0, y1, "nil bias vs zero bias")
    }
}
