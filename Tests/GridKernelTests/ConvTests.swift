import CGridKernels
import Testing

let convCases: [ConvCase] = [
    ConvCase(name: "1d k3 pad1", cin: 3, cout: 4, input: [17], kernel: [3], padLo: [1]),
    ConvCase(name: "1d causal dil2", cin: 2, cout: 3, input: [16], kernel: [3], dilation: [2], padLo: [4], padHi: [0]),
    ConvCase(name: "1d stride3 asym", cin: 2, cout: 2, input: [20], kernel: [4], stride: [3], padLo: [2], padHi: [1]),
    ConvCase(name: "1d 1x1", cin: 5, cout: 3, input: [13], kernel: [1]),
    ConvCase(name: "2d 3x3 pad1", cin: 4, cout: 6, input: [9, 11], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "2d stride2 uneven", cin: 3, cout: 4, input: [10, 9], kernel: [3, 2], stride: [2, 2],
             padLo: [1, 0], padHi: [0, 1]),
    ConvCase(name: "2d stride3 leftover", cin: 2, cout: 3, input: [11, 8], kernel: [2, 2], stride: [3, 3]),
    ConvCase(name: "2d dil2", cin: 3, cout: 2, input: [12, 10], kernel: [3, 3], dilation: [2, 2], padLo: [2, 2]),
    ConvCase(name: "2d groups2 stride2", cin: 4, cout: 6, groups: 2, input: [9, 8], kernel: [3, 3], stride: [2, 2],
             padLo: [1, 1]),
    ConvCase(name: "2d depthwise", cin: 5, cout: 5, groups: 5, input: [8, 7], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "2d depthwise x2 5x3", cin: 3, cout: 6, groups: 3, input: [9, 7], kernel: [5, 3],
             padLo: [2, 1]),
    ConvCase(name: "1d depthwise causal dil2", cin: 4, cout: 4, groups: 4, input: [19], kernel: [3], dilation: [2],
             padLo: [4], padHi: [0]),
    ConvCase(name: "3d depthwise stride2 asym", cin: 3, cout: 3, groups: 3, input: [5, 7, 8], kernel: [3, 2, 3],
             stride: [2, 1, 2], padLo: [1, 0, 1], padHi: [0, 1, 1]),
    ConvCase(name: "2d depthwise x8 (GEMM path)", cin: 2, cout: 16, groups: 2, input: [6, 7], kernel: [3, 3],
             padLo: [1, 1]),
    ConvCase(name: "2d even kernel same", cin: 2, cout: 3, input: [8, 9], kernel: [4, 4], padLo: [1, 2],
             padHi: [2, 1]),
    ConvCase(name: "2d 1x1", cin: 8, cout: 5, input: [7, 9], kernel: [1, 1]),
    // batch 1: the positions are cut into tiles, so 2 threads share the GEMMs (OpenBLAS itself stays on 1 thread).
    ConvCase(name: "2d 1x1 large", cin: 64, cout: 64, input: [32, 32], kernel: [1, 1]),
    ConvCase(name: "2d 1x1 groups2", cin: 6, cout: 4, groups: 2, input: [5, 6], kernel: [1, 1]),
    ConvCase(name: "2d 1x1 stride2", cin: 3, cout: 4, input: [9, 9], kernel: [1, 1], stride: [2, 2]),
    ConvCase(name: "2d 1x1 pad1", cin: 3, cout: 2, input: [5, 4], kernel: [1, 1], padLo: [1, 1]),
    ConvCase(name: "2d multi-tile", cin: 32, cout: 4, input: [31, 33], kernel: [3, 3], padLo: [1, 1]),
    ConvCase(name: "3d k3 pad1", cin: 2, cout: 3, input: [5, 6, 7], kernel: [3, 3, 3], padLo: [1, 1, 1]),
    ConvCase(name: "3d mixed", cin: 4, cout: 2, groups: 2, input: [7, 8, 9], kernel: [2, 3, 3], stride: [1, 2, 2],
             dilation: [2, 1, 1], padLo: [1, 0, 2], padHi: [0, 1, 1]),
    ConvCase(name: "3d 1x1x1", cin: 3, cout: 4, input: [3, 4, 5], kernel: [1, 1, 1]),
    ConvCase(name: "3d large K tiles", cin: 64, cout: 2, input: [6, 8, 8], kernel: [3, 3, 3], padLo: [1, 1, 1]),
    // Windows that tile the input (UNet's 2x2 stride-2 sampling): paired im2col / col2im, and col2im assigning
    // into a dx that starts as NaN, so a point it missed would show.
    ConvCase(name: "2d 2x2 stride2 tiling", cin: 8, cout: 6, input: [10, 12], kernel: [2, 2], stride: [2, 2]),
    ConvCase(name: "2d 2x2 stride2 leftover row/col", cin: 5, cout: 6, input: [9, 11], kernel: [2, 2], stride: [2, 2]),
    ConvCase(name: "3d 2x2x2 stride2 tiling", cin: 3, cout: 5, input: [4, 6, 8], kernel: [2, 2, 2], stride: [2, 2, 2]),
    ConvCase(name: "2d 2x2 stride2 padded", cin: 3, cout: 4, input: [8, 8], kernel: [2, 2], stride: [2, 2], padLo: [1, 1],
             padHi: [1, 1]),
    // A small layer over short frames (a TDNN's): the backward filter is split over image groups as well.
    ConvCase(name: "1d TDNN frames 16->8 k3", cin: 16, cout: 8, input: [15], kernel: [3]),
    // Small-K GEMM with weights packed once per call, over several position tiles (forward) and images (backward).
    ConvCase(name: "2d 2x2 stride2 small-K GEMM", cin: 32, cout: 64, input: [64, 64], kernel: [2, 2], stride: [2, 2]),
    ConvCase(name: "2d 3x3 stride2 small-K GEMM tiles", cin: 16, cout: 40, input: [70, 70], kernel: [3, 3], stride: [2, 2],
             padLo: [1, 1]),
    // Position counts that leave 1-15 columns past the last whole 16-float vector (the AVX-512 body's masked strip,
    // the 8-float body's scalar edge) and row counts that are no multiple of either body's row block.
    ConvCase(name: "2d 1x1 small-K GEMM ragged", cin: 37, cout: 13, input: [23, 29], kernel: [1, 1]),
    ConvCase(name: "1d k2 dil4 small-K GEMM ragged", cin: 24, cout: 21, input: [1013], kernel: [2], dilation: [4],
             padLo: [4], padHi: [0]),
]

struct ConvOutputs { var y: [Float], dx: [Float], dw: [Float], db: [Float] }

func runFast(_ g: gk_conv_geom, x: [Float], w: [Float], b: [Float], dy: [Float]) -> ConvOutputs {
    var g = g
    var y = [Float](repeating: .nan, count: g.yCount), dx = [Float](repeating: .nan, count: g.xCount)
    var dw = [Float](repeating: .nan, count: g.wCount), db = [Float](repeating: .nan, count: Int(g.cout))
    gk_conv_forward(&g, x, w, b, &y)
    gk_conv_backward_data(&g, dy, w, &dx)
    gk_conv_backward_filter(&g, x, dy, &dw, &db)
    return ConvOutputs(y: y, dx: dx, dw: dw, db: db)
}

func runRef(_ g: gk_conv_geom, x: [Float], w: [Float], b: [Float], dy: [Float]) -> ConvOutputs {
    var g = g
    var y = [Float](repeating: .nan, count: g.yCount), dx = [Float](repeating: .nan, count: g.xCount)
    var dw = [Float](repeating: .nan, count: g.wCount), db = [Float](repeating: .nan, count: Int(g.cout))
    gk_conv_forward_ref(&g, x, w, b, &y)
    gk_conv_backward_data_ref(&g, dy, w, &dx)
    gk_conv_backward_filter_ref(&g, x, dy, &dw, &db)
    return ConvOutputs(y: y, dx: dx, dw: dw, db: db)
}

extension GridKernelTests {
    @Test("conv fast == ref, and bitwise equal on 1 and 2 threads", arguments: convCases, [1, 3])
    func convMatchesReference(_ c: ConvCase, batch: Int) {
        let g = c.geom(batch: batch)
        checkAgainstReference(g, seed: UInt64(c.name.utf8.count * 7919 + batch))
    }

    @Test("conv forward with an addend == forward + addend, every path", arguments: convCases)
    func forwardAdding(_ c: ConvCase) {
        var g = c.geom(batch: 2)
        var r = Rand(UInt64(c.name.utf8.count * 31 + 5))
        let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout)), a = r.array(g.yCount)
        var y = [Float](repeating: .nan, count: g.yCount), ya = y
        gk_conv_forward(&g, x, w, b, &y)
        gk_conv_forward_add(&g, x, w, b, a, &ya)
        expectClose(ya, zip(y, a).map { $0 + $1 }, "forward + addend")
    }

    @Test("backward data of an unused input row is exactly zero (stride does not divide)")
    func unusedInputGetsZero() {
        // in 7, k 2, stride 2: outputs cover inputs 0...5, input 6 is never read.
        var g = ConvCase(name: "", cin: 1, cout: 1, input: [7], kernel: [2], stride: [2]).geom(batch: 1)
        #expect(g.out.2 == 3)
        var dx = [Float](repeating: .nan, count: 7)
        gk_conv_backward_data(&g, [1, 2, 3], [10, 1], &dx)
        #expect(dx == [10, 1, 20, 2, 30, 3, 0])
    }

    @Test("forward without bias, and bias is added per output channel")
    func forwardBias() {
        var g = ConvCase(name: "", cin: 1, cout: 2, input: [3], kernel: [1]).geom(batch: 1)
        var y = [Float](repeating: .nan, count: 6)
        gk_conv_forward(&g, [1, 2, 3], [2, -1], nil, &y)
        #expect(y == [2, 4, 6, -1, -2, -3])
        gk_conv_forward(&g, [1, 2, 3], [2, -1], [10, 20], &y)
        #expect(y == [12, 14, 16, 19, 18, 17])
    }

    @Test("gk_sgemm row-major with transposes")
    func sgemm() {
        // A 2x3, B 3x2
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: 1, count: 4)
        gk_sgemm(0, 0, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
        // A^T (A stored 3x2 as a^T) times B^T (B stored 2x3)
        let at: [Float] = [1, 4, 2, 5, 3, 6], bt: [Float] = [7, 9, 11, 8, 10, 12]
        var c2: [Float] = [1, 1, 1, 1]
        gk_sgemm(1, 1, 2, 2, 3, 2, at, 2, bt, 3, 1, &c2, 2)
        #expect(c2 == [117, 129, 279, 309])
    }

    @Test("thread count is stored and clamped")
    func threadCount() {
        #expect(gk_get_num_threads() == 1)
        withThreads(2) { #expect(gk_get_num_threads() == 2) }
        gk_set_num_threads(0)
        #expect(gk_get_num_threads() == 1)
    }

    @Test("cpu level is one of 1, 2, 3")
    func cpuLevel() {
        #expect((1...3).contains(gk_cpu_level()))
    }
}
