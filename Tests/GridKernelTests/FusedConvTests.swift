// gk_conv_forward_fused against the unfused kernel followed by the activation in Swift, on every forward path
// (each path applies the epilogue in its own place), with and without an addend; and max pooling without indices.
import CGridKernels
import Foundation
import Testing

extension GridKernelTests {
    static let fusedCases: [(ConvCase, Int)] = [
        (ConvCase(name: "direct 2->12 9x9", cin: 2, cout: 12, input: [20, 24], kernel: [9, 9], padLo: [4, 4], padHi: [4, 4]), Int(GK_PATH_DIRECT)),
        (ConvCase(name: "row winograd 2->64 9x9", cin: 2, cout: 64, input: [20, 24], kernel: [9, 9], padLo: [4, 4], padHi: [4, 4]), Int(GK_PATH_ROWWINO)),
        (ConvCase(name: "winograd 8->8 3x3", cin: 8, cout: 8, input: [16, 20], kernel: [3, 3], padLo: [1, 1], padHi: [1, 1]), Int(GK_PATH_WINOGRAD)),
        (ConvCase(name: "im2col 3x3 stride2", cin: 16, cout: 40, input: [30, 30], kernel: [3, 3], stride: [2, 2], padLo: [1, 1]), Int(GK_PATH_IM2COL)),
        (ConvCase(name: "pointwise 64->32", cin: 64, cout: 32, input: [24, 24], kernel: [1, 1]), Int(GK_PATH_POINTWISE)),
        (ConvCase(name: "taps 1-D 16->8 k3", cin: 16, cout: 8, input: [15], kernel: [3]), Int(GK_PATH_TAPS)),
        (ConvCase(name: "depthwise 3x3", cin: 5, cout: 5, groups: 5, input: [8, 7], kernel: [3, 3], padLo: [1, 1]), Int(GK_PATH_DEPTHWISE)),
    ]

    static func activate(_ act: Int32, _ v: Float) -> Float {
        switch act {
        case Int32(GK_ACT_RELU): return max(v, 0)
        case Int32(GK_ACT_SIGMOID): return Float(1 / (1 + Foundation.exp(-Double(v))))
        case Int32(GK_ACT_TANH): return Float(Foundation.tanh(Double(v)))
        default: return v
        }
    }

    @Test(arguments: 0..<7)
    func fusedEpilogueOnEveryPath(index: Int) {
        let (c, path) = Self.fusedCases[index]
        for batch in [1, 3] {
            var g = c.geom(batch: batch)
            let taken = Int(gk_conv_path(&g, 0))
            #expect(taken == path || (path == Int(GK_PATH_TAPS) && taken == Int(GK_PATH_IM2COL)), "\(c.name): path \(taken)")
            var r = Rand(UInt64(index * 10 + batch))
            let x = r.array(g.xCount).map { $0 * 2 }, w = r.array(g.wCount), b = r.array(Int(g.cout)), add = r.array(g.yCount)
            for act in [Int32(GK_ACT_RELU), Int32(GK_ACT_SIGMOID), Int32(GK_ACT_TANH)] {
                for withAddend in [false, true] {
                    var plain = [Float](repeating: .nan, count: g.yCount)
                    if withAddend { gk_conv_forward_add(&g, x, w, b, add, &plain) } else { gk_conv_forward(&g, x, w, b, &plain) }
                    let expected = plain.map { Self.activate(act, $0) }
                    func fused(_ threads: Int32) -> [Float] {
                        withThreads(threads) {
                            var y = [Float](repeating: .nan, count: g.yCount)
                            if withAddend { gk_conv_forward_fused(&g, x, w, b, add, act, &y) } else { gk_conv_forward_fused(&g, x, w, b, nil, act, &y) }
                            return y
                        }
                    }
                    let one = fused(1)
                    expectClose(one, expected, rel: 2e-6, "\(c.name) batch \(batch) act \(act) addend \(withAddend)")
                    expectSame(one, fused(2), "\(c.name) act \(act): 1 vs 2 threads")
                }
            }
        }
    }

    @Test func maxPoolWithoutIndices() {
        let c = ConvCase(name: "pool", cin: 6, cout: 6, groups: 6, input: [10, 12], kernel: [2, 2], stride: [2, 2])
        var g = c.geom(batch: 2)
        var r = Rand(5)
        let x = r.array(g.xCount)
        var a = [Float](repeating: .nan, count: g.yCount), b = a, idx = [Int64](repeating: 0, count: g.yCount)
        gk_maxpool_forward(&g, x, &a, &idx)
        gk_maxpool_forward(&g, x, &b, nil)
        expectSame(a, b, "max pool with and without indices")
        let c3 = ConvCase(name: "pool 3x3 s2", cin: 3, cout: 3, groups: 3, input: [9, 9], kernel: [3, 3], stride: [2, 2], padLo: [1, 1], padHi: [1, 1])
        var g3 = c3.geom(batch: 1)
        let x3 = r.array(g3.xCount)
        var a3 = [Float](repeating: .nan, count: g3.yCount), b3 = a3, i3 = [Int64](repeating: 0, count: g3.yCount)
        gk_maxpool_forward(&g3, x3, &a3, &i3)
        gk_maxpool_forward(&g3, x3, &b3, nil)
        expectSame(a3, b3, "3x3 max pool with and without indices")
    }
}

extension GridKernelTests {
    /// Many tiny images (a TDNN's 64 x 13 positions) take one GEMM over all of them: against the naive reference,
    /// with the epilogue and an addend, and bitwise the same on 1 and 2 threads.
    @Test func batchedTinyImages() {
        for c in [ConvCase(name: "TDNN 16->8 k3", cin: 16, cout: 8, input: [15], kernel: [3]),
                  ConvCase(name: "TDNN 8->3 k5", cin: 8, cout: 3, input: [13], kernel: [5]),
                  ConvCase(name: "2-D 6x6 patches 4->16 3x3", cin: 4, cout: 16, input: [6, 6], kernel: [3, 3], padLo: [1, 1], padHi: [1, 1])] {
            var g = c.geom(batch: 64)
            #expect(gk_conv_path(&g, 0) == Int32(GK_PATH_BATCHED), "\(c.name)")
            var r = Rand(77)
            let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout)), add = r.array(g.yCount)
            var ref = [Float](repeating: .nan, count: g.yCount)
            gk_conv_forward_ref(&g, x, w, b, &ref)
            let expected = zip(ref, add).map { Self.activate(Int32(GK_ACT_SIGMOID), $0 + $1) }
            func run(_ t: Int32) -> [Float] {
                withThreads(t) {
                    var y = [Float](repeating: .nan, count: g.yCount)
                    gk_conv_forward_fused(&g, x, w, b, add, Int32(GK_ACT_SIGMOID), &y)
                    return y
                }
            }
            let one = run(1)
            expectClose(one, expected, rel: 2e-6, "\(c.name) batched")
            expectSame(one, run(2), "\(c.name) batched: 1 vs 2 threads")
            var plain = [Float](repeating: .nan, count: g.yCount)
            gk_conv_forward(&g, x, w, b, &plain)
            expectClose(plain, ref, "\(c.name) batched, no epilogue")
        }
    }
}
