// Reductions (checked against values NumPy gives on arange inputs), argmax, variance, matmul against a naive loop,
// elementwise math, random number determinism and statistics.
import Foundation
import Testing
@testable import GridTensor

@Suite struct ReductionTests {
    // x[i, j, k] = 12 i + 4 j + k, the NumPy np.arange(24).reshape(2, 3, 4).
    let x = Tensor.arange([2, 3, 4])

    @Test func sumOverAxes() {
        #expect(x.sum().shape == [] && x.sum().item == 276)
        #expect(x.sum(axes: [0]).shape == [3, 4])
        #expect(x.sum(axes: [0]).scalars == [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34])
        #expect(x.sum(axes: [1]).scalars == [12, 15, 18, 21, 48, 51, 54, 57])
        #expect(x.sum(axes: [-1]).scalars == [6, 22, 38, 54, 70, 86])
        #expect(x.sum(axes: [0, 2]).scalars == [60, 92, 124])
        #expect(x.sum(axes: [2, 0]).scalars == [60, 92, 124])
        let kd = x.sum(axes: [0, 2], keepDims: true)
        #expect(kd.shape == [1, 3, 1] && kd.scalars == [60, 92, 124])
        #expect(x.sum(keepDims: true).shape == [1, 1, 1])
        #expect(x.total == 276)
        // Sums of a permuted view reduce the logical axes.
        #expect(x.permuted([2, 1, 0]).sum(axes: [2]).scalars == x.sum(axes: [0]).transposed().scalars)
    }

    @Test func meanMaxMin() {
        #expect(x.mean().item == 11.5)
        let m = x.mean(axes: [1, 2], keepDims: true)
        #expect(m.shape == [2, 1, 1] && m.scalars == [5.5, 17.5])
        #expect(x.mean(axes: [0]).scalars == [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
        #expect(x.max(axes: [0, 1]).scalars == [20, 21, 22, 23])
        #expect(x.max().item == 23 && x.min().item == 0)
        #expect(x.min(axes: [2]).scalars == [0, 4, 8, 12, 16, 20])
        #expect(x.max(axes: [1], keepDims: true).shape == [2, 1, 4])
        #expect((-x).max(axes: [2]).scalars == [0, -4, -8, -12, -16, -20])
    }

    @Test func varianceBiasedAndUnbiased() {
        #expect(x.variance(axes: [2]).scalars == [Float](repeating: 1.25, count: 6))
        #expect(approxEqual(x.variance(axes: [2], unbiased: true).scalars, [Float](repeating: 5.0 / 3, count: 6)))
        #expect(x.variance(axes: [0]).scalars == [Float](repeating: 36, count: 12))
        #expect(x.variance(axes: [0], unbiased: true).scalars == [Float](repeating: 72, count: 12))
        #expect(approxEqual([x.variance().item], [575.0 / 12]))
        #expect(x.variance(unbiased: true).item == 50)
        // np.var(np.arange(24).reshape(2,3,4), axis=(0,2)) = [37.25, 37.25, 37.25]
        let v = x.variance(axes: [0, 2], keepDims: true)
        #expect(v.shape == [1, 3, 1] && approxEqual(v.scalars, [37.25, 37.25, 37.25]))
    }

    @Test func argmaxTakesTheFirstOfTies() {
        let t = Tensor(shape: [2, 4], scalars: [1, 3, 3, 2, 5, 5, 5, 5])
        #expect(t.argmax(axis: 1).scalars == [1, 0])
        #expect(t.argmax(axis: 1, keepDims: true).shape == [2, 1])
        #expect(Tensor(shape: [2, 2], scalars: [1, 7, 4, 7]).argmax(axis: 0).scalars == [1, 0])
        #expect(x.argmax(axis: -1).scalars == [3, 3, 3, 3, 3, 3])
        #expect((-x).argmax(axis: 1).scalars == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func sumToShapeIsTheAdjointOfBroadcast() {
        #expect(x.sumToShape([3, 1]).scalars == [60, 92, 124])
        #expect(x.sumToShape([4]).scalars == [60, 66, 72, 78])
        #expect(x.sumToShape([2, 1, 4]).scalars == [12, 15, 18, 21, 48, 51, 54, 57])
        #expect(x.sumToShape([]).item == 276)
        #expect(x.sumToShape([2, 3, 4]).scalars == x.scalars)
    }
}

@Suite struct ElementwiseTests {
    @Test func arithmeticAndUnaryMath() {
        let a = Tensor(shape: [4], scalars: [-2, -0.5, 1, 4])
        #expect((a + 1).scalars == [-1, 0.5, 2, 5])
        #expect((a - 1).scalars == [-3, -1.5, 0, 3])
        #expect((2 * a).scalars == [-4, -1, 2, 8] && (a * 2).scalars == [-4, -1, 2, 8])
        #expect((a / 2).scalars == [-1, -0.25, 0.5, 2])
        #expect((1 - a).scalars == [3, 1.5, 0, -3])
        #expect((-a).scalars == [2, 0.5, -1, -4])
        #expect((a * a).scalars == a.squared().scalars)
        #expect((a - a).scalars == [0, 0, 0, 0] && (a / a).scalars == [1, 1, 1, 1])
        #expect(a.relu().scalars == [0, 0, 1, 4])
        #expect(a.abs().scalars == [2, 0.5, 1, 4])
        #expect(a.clamped(min: -1, max: 2).scalars == [-1, -0.5, 1, 2])
        #expect(approxEqual(a.exp().log().scalars, a.scalars))
        #expect(approxEqual(Tensor(shape: [3], scalars: [0, 1, 4]).sqrt().scalars, [0, 1, 2]))
        #expect(approxEqual(a.sigmoid().scalars, a.scalars.map { 1 / (1 + Foundation.exp(-$0)) }))
        #expect(approxEqual(a.tanh().scalars, a.scalars.map { Foundation.tanh($0) }))
        #expect(approxEqual(a.pow(2).scalars, [4, 0.25, 1, 16]))
        #expect(stableSigmoid(-200) == 0 && stableSigmoid(200) == 1 && stableSigmoid(0) == 0.5)
        var acc = Tensor(ones: [4])
        acc.addScaled(a, 2)
        #expect(acc.scalars == [-3, 0, 3, 9])
        let n = Tensor(shape: [3], scalars: [1, .nan, 3])
        #expect(n.isNaNMask().scalars == [0, 1, 0] && n.replacingNaN(with: -1).scalars == [1, -1, 3])
    }
}

/// C[m, n] = sum_k A[m, k] B[k, n], in Double.
func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
        c[i * n + j] = Float(s)
    } }
    return c
}

@Suite struct MatmulTests {
    @Test func matchesNaiveLoop() {
        var rng = SeededGenerator(seed: 11)
        let a = Tensor.normal([3, 5], rng: &rng), b = Tensor.normal([5, 4], rng: &rng)
        let ref = naiveMatmul(a.scalars, b.scalars, m: 3, k: 5, n: 4)
        #expect(Tensor.matmul(a, b).shape == [3, 4])
        #expect(approxEqual(Tensor.matmul(a, b).scalars, ref, tol: 1e-5))
        let at = a.transposed().contiguous(), bt = b.transposed().contiguous()
        #expect(approxEqual(Tensor.matmul(at, b, transposeA: true).scalars, ref, tol: 1e-5))
        #expect(approxEqual(Tensor.matmul(a, bt, transposeB: true).scalars, ref, tol: 1e-5))
        #expect(approxEqual(Tensor.matmul(at, bt, transposeA: true, transposeB: true).scalars, ref, tol: 1e-5))
        // Non-contiguous operands (transposed views) are read logically.
        #expect(approxEqual(Tensor.matmul(at.transposed(), b).scalars, ref, tol: 1e-5))
        // Exact small case: [[1,2],[3,4]] x [[5,6],[7,8]].
        let e = Tensor.matmul(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), Tensor(shape: [2, 2], scalars: [5, 6, 7, 8]))
        #expect(e.scalars == [19, 22, 43, 50])
    }

    @Test func batchedAndBroadcastBatch() {
        var rng = SeededGenerator(seed: 12)
        let a = Tensor.normal([2, 3, 5], rng: &rng), b = Tensor.normal([2, 5, 4], rng: &rng)
        let c = Tensor.matmul(a, b)
        #expect(c.shape == [2, 3, 4])
        for i in 0..<2 {
            let ref = naiveMatmul(a.sliced(axis: 0, i..<(i + 1)).scalars, b.sliced(axis: 0, i..<(i + 1)).scalars, m: 3, k: 5, n: 4)
            #expect(approxEqual(c.sliced(axis: 0, i..<(i + 1)).scalars, ref))
        }
        let one = a.sliced(axis: 0, 0..<1).contiguous()
        let bc = Tensor.matmul(one, b)
        #expect(bc.shape == [2, 3, 4])
        for i in 0..<2 {
            let ref = naiveMatmul(one.scalars, b.sliced(axis: 0, i..<(i + 1)).scalars, m: 3, k: 5, n: 4)
            #expect(approxEqual(bc.sliced(axis: 0, i..<(i + 1)).scalars, ref))
        }
        let ob = b.sliced(axis: 0, 1..<2).contiguous()
        let cb = Tensor.matmul(a, ob)
        for i in 0..<2 {
            let ref = naiveMatmul(a.sliced(axis: 0, i..<(i + 1)).scalars, ob.scalars, m: 3, k: 5, n: 4)
            #expect(approxEqual(cb.sliced(axis: 0, i..<(i + 1)).scalars, ref))
        }
    }
}

@Suite struct RandomTests {
    @Test func sameSeedSameNumbers() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42), g3 = SeededGenerator(seed: 43)
        let u1 = Tensor.uniform([100], low: -2, high: 3, rng: &g1), u2 = Tensor.uniform([100], low: -2, high: 3, rng: &g2)
        let u3 = Tensor.uniform([100], low: -2, high: 3, rng: &g3)
        #expect(u1.scalars == u2.scalars)
        #expect(u1.scalars != u3.scalars)
        #expect(u1.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(g1 == g2 && g1 != g3)
        let n1 = Tensor.normal([50], rng: &g1), n2 = Tensor.normal([50], rng: &g2)
        #expect(n1.scalars == n2.scalars)
        // The generator is a value: a copy replays the same stream.
        var h = SeededGenerator(seed: 5)
        var copy = h
        #expect((0..<10).map { _ in h.next() } == (0..<10).map { _ in copy.next() })
        #expect(SeededGenerator(seed: 1).state != SeededGenerator(seed: 2).state)
    }

    @Test func splitMix64Seeding() {
        // The first SplitMix64 output for seed 0 (the xoshiro authors' reference seeding).
        #expect(SeededGenerator(seed: 0).state[0] == 0xE220_A839_7B1D_CDAF)
    }

    @Test func uniformAndNormalStatistics() {
        var g = SeededGenerator(seed: 2024)
        let n = Tensor.normal([100_000], mean: 2, std: 3, rng: &g)
        let mean = n.total / 100_000
        let std = Double(n.variance().item).squareRoot()
        #expect(Swift.abs(mean - 2) < 0.05, "normal mean \(mean)")
        #expect(Swift.abs(std - 3) < 0.05, "normal std \(std)")
        let u = Tensor.uniform([100_000], rng: &g)
        #expect(Swift.abs(u.total / 100_000 - 0.5) < 0.01)
        #expect(Swift.abs(Double(u.variance().item) - 1.0 / 12) < 0.002)
        #expect(u.min().item >= 0 && u.max().item < 1)
    }

    @Test func arange() {
        #expect(Tensor.arange([2, 2]).scalars == [0, 1, 2, 3])
        #expect(Tensor.arange([3], start: 1, step: 0.5).scalars == [1, 1.5, 2])
        #expect(Tensor(repeating: 2, shape: [2]).scalars == [2, 2] && Tensor(ones: [1]).item == 1 && Tensor(3).rank == 0)
    }
}
