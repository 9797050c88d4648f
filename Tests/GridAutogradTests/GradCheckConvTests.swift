// Convolution and transposed convolution over a table of variants: forward against direct loops, shapes worked by
// hand, gradients against central differences.
import Testing
import GridTensor
@testable import GridAutograd

struct ConvSpec: CustomTestStringConvertible, Sendable {
    let name: String, x: [Int], w: [Int], out: [Int], bias: Bool
    var stride: [Int]? = nil, padding: Padding = .valid, dilation: [Int]? = nil, groups: Int = 1
    var testDescription: String { name }
}

struct ConvTransposeSpec: CustomTestStringConvertible, Sendable {
    let name: String, x: [Int], w: [Int], out: [Int], bias: Bool
    let stride: [Int]
    var padding: [Int]? = nil, outputPadding: [Int]? = nil, dilation: [Int]? = nil, groups: Int = 1
    var testDescription: String { name }
}

/// Pads a spatial list to three entries (leading `fill`s), the layout the direct loops use.
private func three(_ a: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: 3 - a.count) + a }

/// Direct-loop convolution (cross-correlation) with groups, stride, dilation and low padding from the geometry.
func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> [Float] {
    let xs = x.scalars, ws = w.scalars, bs = b?.scalars
    let i = three(g.input, 1), o = three(g.output, 1), k = three(g.kernel, 1)
    let s = three(g.stride, 1), d = three(g.dilation, 1), p = three(g.padLo, 0)
    let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
    var y = [Float]()
    for n in 0..<g.batch { for co in 0..<g.outChannels {
        let grp = co / coutG
        for od in 0..<o[0] { for oh in 0..<o[1] { for ow in 0..<o[2] {
            var acc = Double(bs?[co] ?? 0)
            for ci in 0..<cinG { for kd in 0..<k[0] { for kh in 0..<k[1] { for kw in 0..<k[2] {
                let id = od * s[0] - p[0] + kd * d[0], ih = oh * s[1] - p[1] + kh * d[1], iw = ow * s[2] - p[2] + kw * d[2]
                guard id >= 0, id < i[0], ih >= 0, ih < i[1], iw >= 0, iw < i[2] else { continue }
                let xi = (((n * g.inChannels + grp * cinG + ci) * i[0] + id) * i[1] + ih) * i[2] + iw
                let wi = (((co * cinG + ci) * k[0] + kd) * k[1] + kh) * k[2] + kw
                acc += Double(xs[xi]) * Double(ws[wi])
            } } } }
            y.append(Float(acc))
        } } }
    } }
    return y
}

/// Direct-loop transposed convolution: every input scatters x * w to o = i * stride - padding + k * dilation.
func naiveConvTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ spec: ConvTransposeSpec) -> [Float] {
    let r = spec.x.count - 2, cin = spec.x[1], cinG = cin / spec.groups, coutG = spec.w[1], cout = coutG * spec.groups
    let i = three(Array(spec.x.dropFirst(2)), 1), o = three(Array(spec.out.dropFirst(2)), 1), k = three(Array(spec.w.dropFirst(2)), 1)
    let s = three(spec.stride, 1), d = three(spec.dilation ?? [Int](repeating: 1, count: r), 1)
    let p = three(spec.padding ?? [Int](repeating: 0, count: r), 0)
    let xs = x.scalars, ws = w.scalars, plane = o[0] * o[1] * o[2]
    var y = [Double](repeating: 0, count: spec.x[0] * cout * plane)
    for n in 0..<spec.x[0] { for c in 0..<cin {
        let grp = c / cinG
        for id in 0..<i[0] { for ih in 0..<i[1] { for iw in 0..<i[2] {
            let xv = Double(xs[(((n * cin + c) * i[0] + id) * i[1] + ih) * i[2] + iw])
            for co in 0..<coutG { for kd in 0..<k[0] { for kh in 0..<k[1] { for kw in 0..<k[2] {
                let od = id * s[0] - p[0] + kd * d[0], oh = ih * s[1] - p[1] + kh * d[1], ow = iw * s[2] - p[2] + kw * d[2]
                guard od >= 0, od < o[0], oh >= 0, oh < o[1], ow >= 0, ow < o[2] else { continue }
                let wv = Double(ws[(((c * coutG + co) * k[0] + kd) * k[1] + kh) * k[2] + kw])
                y[((n * cout + grp * coutG + co) * o[0] + od) * o[1] * o[2] + oh * o[2] + ow] += xv * wv
            } } } }
        } } }
    } }
    if let b = b?.scalars { for idx in 0..<y.count { y[idx] += Double(b[(idx / plane) % cout]) } }
    return y.map(Float.init)
}

@Suite struct GradCheckConvTests {
    static let convs: [ConvSpec] = [
        ConvSpec(name: "1-D valid bias", x: [2, 2, 7], w: [3, 2, 3], out: [2, 3, 5], bias: true),
        ConvSpec(name: "1-D stride 2", x: [1, 2, 7], w: [2, 2, 3], out: [1, 2, 3], bias: false, stride: [2]),
        ConvSpec(name: "1-D dilation 2", x: [1, 2, 7], w: [2, 2, 3], out: [1, 2, 3], bias: true, dilation: [2]),
        ConvSpec(name: "1-D causal dilation 2", x: [1, 2, 6], w: [2, 2, 3], out: [1, 2, 6], bias: true, padding: .causal, dilation: [2]),
        ConvSpec(name: "1-D same even kernel", x: [1, 2, 5], w: [3, 2, 4], out: [1, 3, 5], bias: false, padding: .same),
        ConvSpec(name: "1-D same stride 2", x: [1, 1, 8], w: [2, 1, 3], out: [1, 2, 4], bias: true, stride: [2], padding: .same),
        ConvSpec(name: "1-D groups 2", x: [1, 4, 6], w: [2, 2, 3], out: [1, 2, 4], bias: true, groups: 2),
        ConvSpec(name: "1-D depthwise same", x: [1, 3, 6], w: [3, 1, 3], out: [1, 3, 6], bias: false, padding: .same, groups: 3),
        ConvSpec(name: "1-D explicit lo 2 hi 1 stride 2", x: [1, 2, 6], w: [2, 2, 3], out: [1, 2, 4], bias: false, stride: [2],
                 padding: .explicit(lo: [2], hi: [1])),
        ConvSpec(name: "2-D valid bias", x: [1, 2, 5, 5], w: [3, 2, 3, 3], out: [1, 3, 3, 3], bias: true),
        ConvSpec(name: "2-D stride 2 same", x: [1, 2, 6, 6], w: [2, 2, 3, 3], out: [1, 2, 3, 3], bias: true, stride: [2, 2], padding: .same),
        ConvSpec(name: "2-D dilation 2", x: [1, 2, 6, 6], w: [2, 2, 3, 3], out: [1, 2, 2, 2], bias: false, dilation: [2, 2]),
        ConvSpec(name: "2-D groups 2 same", x: [1, 4, 4, 4], w: [4, 2, 3, 3], out: [1, 4, 4, 4], bias: true, padding: .same, groups: 2),
        ConvSpec(name: "2-D depthwise multiplier 2", x: [1, 3, 4, 4], w: [6, 1, 3, 3], out: [1, 6, 2, 2], bias: true, groups: 3),
        ConvSpec(name: "2-D explicit asymmetric stride [2,1]", x: [1, 2, 5, 4], w: [2, 2, 3, 3], out: [1, 2, 3, 4], bias: false,
                 stride: [2, 1], padding: .explicit(lo: [2, 0], hi: [0, 2])),
        ConvSpec(name: "2-D 1x1 pointwise", x: [2, 3, 3, 3], w: [2, 3, 1, 1], out: [2, 2, 3, 3], bias: true),
        ConvSpec(name: "2-D kernel [2,3] dilation [1,2]", x: [1, 1, 4, 7], w: [2, 1, 2, 3], out: [1, 2, 3, 3], bias: false, dilation: [1, 2]),
        ConvSpec(name: "2-D causal", x: [1, 1, 4, 4], w: [1, 1, 2, 2], out: [1, 1, 4, 4], bias: true, padding: .causal),
        ConvSpec(name: "2-D stride 2 dilation 2 groups 2", x: [1, 2, 7, 7], w: [2, 1, 3, 3], out: [1, 2, 2, 2], bias: false,
                 stride: [2, 2], dilation: [2, 2], groups: 2),
        ConvSpec(name: "3-D valid bias", x: [1, 2, 3, 3, 3], w: [2, 2, 2, 2, 2], out: [1, 2, 2, 2, 2], bias: true),
        ConvSpec(name: "3-D stride 2 same", x: [1, 1, 4, 4, 4], w: [2, 1, 3, 3, 3], out: [1, 2, 2, 2, 2], bias: true, stride: [2, 2, 2], padding: .same),
        ConvSpec(name: "3-D groups 2 dilation 2", x: [1, 2, 4, 4, 4], w: [2, 1, 2, 2, 2], out: [1, 2, 2, 2, 2], bias: false,
                 dilation: [2, 2, 2], groups: 2),
        ConvSpec(name: "3-D explicit asymmetric stride [1,2,1]", x: [1, 1, 3, 4, 3], w: [1, 1, 2, 2, 2], out: [1, 1, 3, 3, 3], bias: false,
                 stride: [1, 2, 1], padding: .explicit(lo: [1, 1, 0], hi: [0, 1, 1])),
        ConvSpec(name: "3-D depthwise causal", x: [1, 2, 3, 3, 3], w: [2, 1, 2, 2, 2], out: [1, 2, 3, 3, 3], bias: true, padding: .causal, groups: 2),
    ]

    static let transposed: [ConvTransposeSpec] = [
        ConvTransposeSpec(name: "1-D stride 2 pad 1 outpad 1 bias", x: [1, 2, 4], w: [2, 3, 3], out: [1, 3, 8], bias: true, stride: [2],
                          padding: [1], outputPadding: [1]),
        ConvTransposeSpec(name: "1-D dilation 2", x: [2, 2, 5], w: [2, 2, 4], out: [2, 2, 11], bias: false, stride: [1], dilation: [2]),
        ConvTransposeSpec(name: "1-D stride 3 outpad 2 groups 2", x: [1, 4, 3], w: [4, 1, 3], out: [1, 2, 11], bias: true, stride: [3],
                          outputPadding: [2], groups: 2),
        ConvTransposeSpec(name: "2-D stride 2 pad 1 outpad 1", x: [1, 2, 3, 3], w: [2, 2, 3, 3], out: [1, 2, 6, 6], bias: true, stride: [2, 2],
                          padding: [1, 1], outputPadding: [1, 1]),
        ConvTransposeSpec(name: "2-D k2 stride 2", x: [1, 3, 2, 2], w: [3, 2, 2, 2], out: [1, 2, 4, 4], bias: false, stride: [2, 2]),
        ConvTransposeSpec(name: "2-D groups 2 pad 1", x: [1, 4, 3, 3], w: [4, 1, 3, 3], out: [1, 2, 3, 3], bias: true, stride: [1, 1],
                          padding: [1, 1], groups: 2),
        ConvTransposeSpec(name: "2-D stride 2 dilation 2 outpad 1", x: [1, 1, 3, 3], w: [1, 2, 3, 3], out: [1, 2, 10, 10], bias: false,
                          stride: [2, 2], outputPadding: [1, 1], dilation: [2, 2]),
        ConvTransposeSpec(name: "2-D stride [2,1] pad [1,0]", x: [1, 2, 3, 4], w: [2, 1, 3, 2], out: [1, 1, 5, 5], bias: true, stride: [2, 1],
                          padding: [1, 0]),
        ConvTransposeSpec(name: "3-D k2 stride 2 bias", x: [1, 2, 2, 2, 2], w: [2, 1, 2, 2, 2], out: [1, 1, 4, 4, 4], bias: true, stride: [2, 2, 2]),
        ConvTransposeSpec(name: "3-D stride 2 pad 1 outpad 1 groups 2", x: [1, 2, 2, 2, 2], w: [2, 1, 3, 3, 3], out: [1, 2, 4, 4, 4], bias: false,
                          stride: [2, 2, 2], padding: [1, 1, 1], outputPadding: [1, 1, 1], groups: 2),
    ]

    @Test(arguments: convs) func conv(_ s: ConvSpec) throws {
        let g = try ConvGeometry(batch: s.x[0], inChannels: s.x[1], outChannels: s.w[0], input: Array(s.x.dropFirst(2)),
                                 kernel: Array(s.w.dropFirst(2)), stride: s.stride, dilation: s.dilation, padding: s.padding, groups: s.groups)
        try #require(g.outputShape == s.out && g.weightShape == s.w, "geometry \(g.outputShape) / \(g.weightShape)")
        let x = rnd(s.x, seed: 1), w = rnd(s.w, seed: 2), b = s.bias ? rnd([s.w[0]], seed: 3) : nil
        let y = Variable.conv(Variable(x), Variable(w), bias: b.map { Variable($0) }, stride: s.stride, padding: s.padding,
                              dilation: s.dilation, groups: s.groups)
        #expect(y.shape == s.out)
        #expect(approxEqualA(y.value.scalars, naiveConv(x, w, b, g), tol: 1e-5), "forward of \(s.name)")
        expectGradientsMatch(GradCase(s.name, [x, w] + (b.map { [$0] } ?? [])) { v in
            Variable.conv(v[0], v[1], bias: s.bias ? v[2] : nil, stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups)
        })
    }

    /// conv(x, w) + b + addend in one op (residual sums): forward against the naive conv plus the addend, gradients
    /// (the addend's is dy) by central differences; geometries for the GEMM, direct and Winograd paths.
    @Test(arguments: [0, 1, 2, 3]) func convAdding(_ i: Int) throws {
        let specs: [(x: [Int], w: [Int], padding: Padding, bias: Bool)] = [
            ([1, 3, 9], [4, 3, 1], .valid, true),          // 1x1 (GEMM)
            ([2, 5, 7], [6, 5, 2], .causal, false),        // im2col GEMM
            ([1, 2, 6, 6], [3, 2, 3, 3], .same, true),     // direct (few input channels)
            ([1, 6, 8, 8], [5, 6, 3, 3], .same, true),     // Winograd
        ]
        let s = specs[i]
        let g = try ConvGeometry(batch: s.x[0], inChannels: s.x[1], outChannels: s.w[0], input: Array(s.x.dropFirst(2)),
                                 kernel: Array(s.w.dropFirst(2)), padding: s.padding)
        let x = rnd(s.x, seed: 11), w = rnd(s.w, seed: 12), b = s.bias ? rnd([s.w[0]], seed: 13) : nil, a = rnd(g.outputShape, seed: 14)
        let y = Variable.conv(Variable(x), Variable(w), bias: b.map { Variable($0) }, adding: Variable(a), geometry: g)
        let expected = zip(naiveConv(x, w, b, g), a.scalars).map { $0 + $1 }
        // Winograd (case 3) rounds at up to ~1.4e-5 of the output scale, more without FMA (the baseline clone, as under
        // qemu -cpu Nehalem); the kernel tests bound it at 5e-5 of the scale.
        #expect(approxEqualA(y.value.scalars, expected, tol: i == 3 ? 5e-5 : 1e-5), "forward with addend, case \(i)")
        // Winograd's transforms round at ~1e-5 of the output, which the Float central differences (eps 1e-2) turn
        // into ~1e-3 noise; the kernel tests compare its three passes with the direct kernel at 5e-5.
        expectGradientsMatch(GradCase("conv adding \(i)", tol: i == 3 ? 5e-3 : 2e-3, [x, w, a] + (b.map { [$0] } ?? [])) { v in
            Variable.conv(v[0], v[1], bias: s.bias ? v[3] : nil, adding: v[2], geometry: g)
        })
    }

    @Test(arguments: transposed) func convTranspose(_ s: ConvTransposeSpec) throws {
        let r = s.x.count - 2
        let g = try ConvGeometry.transposed(batch: s.x[0], inChannels: s.x[1], outChannels: s.w[1] * s.groups, input: Array(s.x.dropFirst(2)),
                                            kernel: Array(s.w.dropFirst(2)), stride: s.stride, padding: s.padding ?? [Int](repeating: 0, count: r),
                                            outputPadding: s.outputPadding ?? [Int](repeating: 0, count: r),
                                            dilation: s.dilation ?? [Int](repeating: 1, count: r), groups: s.groups)
        try #require(g.inputShape == s.out, "transposed output \(g.inputShape)")
        let x = rnd(s.x, seed: 4), w = rnd(s.w, seed: 5), b = s.bias ? rnd([s.out[1]], seed: 6) : nil
        func apply(_ v: [Variable]) -> Variable {
            Variable.convTranspose(v[0], v[1], bias: s.bias ? v[2] : nil, stride: s.stride, padding: s.padding,
                                   outputPadding: s.outputPadding, dilation: s.dilation, groups: s.groups)
        }
        let inputs = [x, w] + (b.map { [$0] } ?? [])
        let y = apply(inputs.map { Variable($0) })
        #expect(y.shape == s.out)
        #expect(approxEqualA(y.value.scalars, naiveConvTranspose(x, w, b, s), tol: 1e-5), "forward of \(s.name)")
        expectGradientsMatch(GradCase(s.name, inputs, apply))
    }
}
