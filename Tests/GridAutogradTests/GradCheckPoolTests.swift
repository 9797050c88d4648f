// Gradient checks of max/average pooling (1-3-D, padding, count_include_pad), max-unpooling and upsampling, plus
// the worked 1-D pooling example.
import Testing
import GridTensor
@testable import GridAutograd

/// Winner indices and geometry of a max pool of a fixed, tie-free tensor (the input of the unpooling checks).
func poolIndices(_ shape: [Int], kernel: [Int], stride: [Int]? = nil) -> ([Int64], ConvGeometry) {
    let (_, idx, g) = Variable(spread(shape, seed: 99)).maxPool(kernel: kernel, stride: stride)
    return (idx, g)
}

@Suite struct GradCheckPoolTests {
    static let maxPools: [GradCase] = [
        GradCase("max 1-D k2", [spread([1, 2, 8], seed: 1)]) { $0[0].maxPooled(kernel: [2]) },
        GradCase("max 1-D k3 s2 p1", [spread([1, 2, 7], seed: 2)]) { $0[0].maxPooled(kernel: [3], stride: [2], padding: [1]) },
        GradCase("max 1-D k3 s1 overlapping", [spread([2, 1, 6], seed: 3)]) { $0[0].maxPooled(kernel: [3], stride: [1]) },
        GradCase("max 2-D k2", [spread([1, 2, 4, 4], seed: 4)]) { $0[0].maxPooled(kernel: [2, 2]) },
        GradCase("max 2-D k3 s2 p1", [spread([1, 1, 5, 5], seed: 5)]) { $0[0].maxPooled(kernel: [3, 3], stride: [2, 2], padding: [1, 1]) },
        GradCase("max 2-D k[2,3] s[2,1]", [spread([2, 1, 4, 5], seed: 6)]) { $0[0].maxPooled(kernel: [2, 3], stride: [2, 1]) },
        GradCase("max 2-D floor (5 -> 2)", [spread([1, 2, 5, 5], seed: 7)]) { $0[0].maxPooled(kernel: [2, 2]) },
        GradCase("max 3-D k2", [spread([1, 2, 4, 4, 4], seed: 8)]) { $0[0].maxPooled(kernel: [2, 2, 2]) },
        GradCase("max 3-D k3 s2 p1", [spread([1, 1, 5, 5, 5], seed: 9)]) { $0[0].maxPooled(kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1]) },
    ]

    static let avgPools: [GradCase] = {
        var cases = [GradCase]()
        for include in [true, false] {
            let tag = include ? "include pad" : "exclude pad"
            cases += [
                GradCase("avg 1-D k2 \(tag)", [rnd([1, 2, 8], seed: 10)]) { $0[0].avgPooled(kernel: [2], countIncludePad: include) },
                GradCase("avg 1-D k3 s2 p1 \(tag)", [rnd([1, 2, 7], seed: 11)]) {
                    $0[0].avgPooled(kernel: [3], stride: [2], padding: [1], countIncludePad: include)
                },
                GradCase("avg 2-D k2 \(tag)", [rnd([1, 2, 4, 4], seed: 12)]) { $0[0].avgPooled(kernel: [2, 2], countIncludePad: include) },
                GradCase("avg 2-D k3 s2 p1 \(tag)", [rnd([1, 1, 5, 5], seed: 13)]) {
                    $0[0].avgPooled(kernel: [3, 3], stride: [2, 2], padding: [1, 1], countIncludePad: include)
                },
                GradCase("avg 2-D k[2,3] s1 p[1,1] \(tag)", [rnd([1, 2, 3, 4], seed: 14)]) {
                    $0[0].avgPooled(kernel: [2, 3], stride: [1, 1], padding: [1, 1], countIncludePad: include)
                },
                GradCase("avg 3-D k2 \(tag)", [rnd([1, 2, 4, 4, 4], seed: 15)]) { $0[0].avgPooled(kernel: [2, 2, 2], countIncludePad: include) },
                GradCase("avg 3-D k3 s2 p1 \(tag)", [rnd([1, 1, 5, 5, 5], seed: 16)]) {
                    $0[0].avgPooled(kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], countIncludePad: include)
                },
            ]
        }
        return cases
    }()

    static let unpoolAndResize: [GradCase] = [
        GradCase("maxUnpooled 1-D", [rnd([1, 2, 4], seed: 20)]) { v in
            let (idx, g) = poolIndices([1, 2, 8], kernel: [2]); return v[0].maxUnpooled(indices: idx, geometry: g)
        },
        GradCase("maxUnpooled 2-D", [rnd([1, 2, 2, 2], seed: 21)]) { v in
            let (idx, g) = poolIndices([1, 2, 4, 4], kernel: [2, 2]); return v[0].maxUnpooled(indices: idx, geometry: g)
        },
        GradCase("maxUnpooled 2-D overlapping windows", [rnd([1, 1, 3, 3], seed: 22)]) { v in
            let (idx, g) = poolIndices([1, 1, 5, 5], kernel: [3, 3], stride: [1, 1]); return v[0].maxUnpooled(indices: idx, geometry: g)
        },
        GradCase("maxUnpooled 3-D", [rnd([1, 1, 2, 2, 2], seed: 23)]) { v in
            let (idx, g) = poolIndices([1, 1, 4, 4, 4], kernel: [2, 2, 2]); return v[0].maxUnpooled(indices: idx, geometry: g)
        },
        GradCase("upsample nearest 1-D x2", [rnd([1, 2, 3], seed: 30)]) { $0[0].upsampled(scale: 2) },
        GradCase("upsample nearest 2-D x2", [rnd([1, 2, 3, 3], seed: 31)]) { $0[0].upsampled(scale: 2) },
        GradCase("upsample nearest 2-D x3", [rnd([2, 1, 2, 3], seed: 32)]) { $0[0].upsampled(scale: 3, mode: .nearest) },
        GradCase("upsample nearest 3-D x2", [rnd([1, 1, 2, 2, 2], seed: 33)]) { $0[0].upsampled(scale: 2) },
        GradCase("upsample linear 1-D x2", [rnd([1, 2, 4], seed: 34)]) { $0[0].upsampled(scale: 2, mode: .linear) },
        GradCase("upsample linear 1-D x3", [rnd([2, 1, 3], seed: 35)]) { $0[0].upsampled(scale: 3, mode: .linear) },
        GradCase("upsample bilinear 2-D x2", [rnd([1, 2, 3, 3], seed: 36)]) { $0[0].upsampled(scale: 2, mode: .linear) },
        GradCase("upsample trilinear 3-D x2", [rnd([1, 1, 2, 3, 2], seed: 37)]) { $0[0].upsampled(scale: 2, mode: .linear) },
    ]

    @Test(arguments: maxPools) func maxPool(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: avgPools) func avgPool(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: unpoolAndResize) func unpoolAndUpsample(_ c: GradCase) { expectGradientsMatch(c) }

    /// A 1-D pool over [1, 2, 3, 2] with window 4: max 3, its gradient goes to the winner; average 2, spread evenly.
    @Test func workedOneDimensionalPooling() {
        let x = Variable(Tensor(shape: [1, 1, 4], scalars: [1, 2, 3, 2]), requiresGrad: true)
        let (m, idx, _) = x.maxPool(kernel: [4])
        #expect(m.value.scalars == [3] && idx == [2])
        m.backward(Tensor(shape: [1, 1, 1], scalars: [3]))
        #expect(x.grad?.scalars == [0, 0, 3, 0])
        x.zeroGrad()
        let a = x.avgPooled(kernel: [4])
        #expect(a.value.scalars == [2])
        a.backward(Tensor(shape: [1, 1, 1], scalars: [2]))
        #expect(x.grad?.scalars == [0.5, 0.5, 0.5, 0.5])
        // Unpooling puts the value back where the maximum was.
        let g = try! ConvGeometry.pooling(batch: 1, channels: 1, input: [4], kernel: [4])
        #expect(Variable(Tensor(shape: [1, 1, 1], scalars: [3])).maxUnpooled(indices: idx, geometry: g).value.scalars == [0, 0, 3, 0])
    }

    @Test func paddingExcludedFromAverageWhenAsked() {
        // [1, 2, 3] with k3 s1 p1: windows [pad, 1, 2], [1, 2, 3], [2, 3, pad].
        let x = Variable(Tensor(shape: [1, 1, 3], scalars: [1, 2, 3]))
        #expect(approxEqualA(x.avgPooled(kernel: [3], stride: [1], padding: [1], countIncludePad: true).value.scalars, [1, 2, 5.0 / 3]))
        #expect(approxEqualA(x.avgPooled(kernel: [3], stride: [1], padding: [1], countIncludePad: false).value.scalars, [1.5, 2, 2.5]))
        // Max pooling never picks a padded position, even when every real value is negative.
        let neg = Variable(Tensor(shape: [1, 1, 3], scalars: [-1, -2, -3]))
        #expect(neg.maxPooled(kernel: [3], stride: [1], padding: [1]).value.scalars == [-1, -1, -2])
    }

    @Test func upsampleForwardValues() {
        let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(x.upsampled(scale: 2).value.scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // Bilinear, half-pixel centres (PyTorch align_corners=False): rows [1, 1.25, 1.75, 2] at the top.
        let b = x.upsampled(scale: 2, mode: .linear).value
        #expect(approxEqualA(Array(b.scalars.prefix(4)), [1, 1.25, 1.75, 2]))
        #expect(approxEqualA(Array(b.scalars[4..<8]), [1.5, 1.75, 2.25, 2.5]))
        #expect(b.shape == [1, 1, 4, 4])
    }
}
