// Gradient checks (central differences) of arithmetic with broadcasting, scalar ops, matmul, shape ops and reductions.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

@Suite struct GradCheckCoreTests {
    static let arithmetic: [GradCase] = [
        GradCase("add [2,3,4]+[3,1]", [rnd([2, 3, 4], seed: 1), rnd([3, 1], seed: 2)]) { $0[0] + $0[1] },
        GradCase("add [3,1]+[2,3,4]", [rnd([3, 1], seed: 3), rnd([2, 3, 4], seed: 4)]) { $0[0] + $0[1] },
        GradCase("add same shape", [rnd([2, 3], seed: 5), rnd([2, 3], seed: 6)]) { $0[0] + $0[1] },
        GradCase("sub [2,3,4]-[4]", [rnd([2, 3, 4], seed: 7), rnd([4], seed: 8)]) { $0[0] - $0[1] },
        GradCase("sub [3,1]-[2,3,4]", [rnd([3, 1], seed: 9), rnd([2, 3, 4], seed: 10)]) { $0[0] - $0[1] },
        GradCase("mul [2,3,4]*[3,1]", [rnd([2, 3, 4], seed: 11), rnd([3, 1], seed: 12)]) { $0[0] * $0[1] },
        GradCase("mul [1,3,1]*[2,1,4]", [rnd([1, 3, 1], seed: 13), rnd([2, 1, 4], seed: 14)]) { $0[0] * $0[1] },
        GradCase("mul [2,3]*rank-0", [rnd([2, 3], seed: 15), rnd([], seed: 16)]) { $0[0] * $0[1] },
        GradCase("mul same shape", [rnd([2, 3], seed: 17), rnd([2, 3], seed: 18)]) { $0[0] * $0[1] },
        GradCase("div [2,3,4]/[3,1]", [rnd([2, 3, 4], seed: 19), rnd([3, 1], seed: 20, low: 0.5, high: 1.5)]) { $0[0] / $0[1] },
        GradCase("div [3,1]/[2,3,4]", [rnd([3, 1], seed: 21), rnd([2, 3, 4], seed: 22, low: 0.6, high: 1.6) * -1]) { $0[0] / $0[1] },
        GradCase("div same shape", [rnd([2, 3], seed: 23), rnd([2, 3], seed: 24, low: 0.5, high: 1.5)]) { $0[0] / $0[1] },
        GradCase("x + 2.5", [rnd([2, 3], seed: 25)]) { $0[0] + 2.5 },
        GradCase("2.5 + x", [rnd([2, 3], seed: 26)]) { 2.5 + $0[0] },
        GradCase("x - 1.5", [rnd([2, 3], seed: 27)]) { $0[0] - 1.5 },
        GradCase("1.5 - x", [rnd([2, 3], seed: 28)]) { 1.5 - $0[0] },
        GradCase("x * 3", [rnd([2, 3], seed: 29)]) { $0[0] * 3 },
        GradCase("3 * x", [rnd([2, 3], seed: 30)]) { 3 * $0[0] },
        GradCase("x / 4", [rnd([2, 3], seed: 31)]) { $0[0] / 4 },
        GradCase("-x", [rnd([2, 3], seed: 32)]) { -$0[0] },
        GradCase("(a*b + a) / (b*b + 1)", [rnd([2, 3], seed: 33), rnd([3], seed: 34)]) { v in (v[0] * v[1] + v[0]) / (v[1] * v[1] + 1) },
    ]

    static let matmuls: [GradCase] = [
        GradCase("matmul [3,4]x[4,2]", [rnd([3, 4], seed: 40), rnd([4, 2], seed: 41)]) { Variable.matmul($0[0], $0[1]) },
        GradCase("matmul [1,5]x[5,1]", [rnd([1, 5], seed: 42), rnd([5, 1], seed: 43)]) { Variable.matmul($0[0], $0[1]) },
        GradCase("batched [2,3,4]x[2,4,5]", [rnd([2, 3, 4], seed: 44), rnd([2, 4, 5], seed: 45)]) { Variable.matmul($0[0], $0[1]) },
        GradCase("batched [1,3,4]x[2,4,2]", [rnd([1, 3, 4], seed: 46), rnd([2, 4, 2], seed: 47)]) { Variable.matmul($0[0], $0[1]) },
        GradCase("batched [2,3,4]x[1,4,2]", [rnd([2, 3, 4], seed: 48), rnd([1, 4, 2], seed: 49)]) { Variable.matmul($0[0], $0[1]) },
        GradCase("matmul of transposed", [rnd([4, 3], seed: 50), rnd([4, 2], seed: 51)]) { Variable.matmul($0[0].transposed(), $0[1]) },
    ]

    static let shapes: [GradCase] = [
        GradCase("reshape [2,3,4] -> [6,-1]", [rnd([2, 3, 4], seed: 60)]) { $0[0].reshaped([6, -1]) * $0[0].reshaped([6, 4]) },
        GradCase("flattened", [rnd([2, 3, 2], seed: 61)]) { $0[0].flattened() },
        GradCase("permute [2,0,1]", [rnd([2, 3, 4], seed: 62)]) { $0[0].permuted([2, 0, 1]) },
        GradCase("permute rank 4", [rnd([2, 1, 3, 2], seed: 63)]) { $0[0].permuted([3, 1, 0, 2]) },
        GradCase("transposed", [rnd([3, 4], seed: 64)]) { $0[0].transposed() },
        GradCase("transposed(0, 2)", [rnd([2, 3, 4], seed: 65)]) { $0[0].transposed(0, 2) },
        GradCase("sliced axis 1", [rnd([2, 5, 3], seed: 66)]) { $0[0].sliced(axis: 1, 1..<4) },
        GradCase("sliced axis -1", [rnd([2, 5], seed: 67)]) { $0[0].sliced(axis: -1, 0..<2) },
        GradCase("pad zero asymmetric", [rnd([1, 2, 3, 3], seed: 68)]) { $0[0].padded(lo: [1, 0], hi: [2, 1]) },
        GradCase("pad constant 2", [rnd([2, 3], seed: 69)]) { $0[0].padded(lo: [2], hi: [1], value: 2) },
        GradCase("pad reflect", [rnd([1, 2, 3, 4], seed: 70)]) { $0[0].padded(lo: [2, 1], hi: [1, 3], mode: .reflect) },
        GradCase("pad reflect 1-D", [rnd([2, 5], seed: 71)]) { $0[0].padded(lo: [4], hi: [2], mode: .reflect) },
        GradCase("pad replicate", [rnd([1, 2, 3, 4], seed: 72)]) { $0[0].padded(lo: [3, 0], hi: [1, 2], mode: .replicate) },
        GradCase("pad replicate 3 axes", [rnd([2, 2, 2], seed: 73)]) { $0[0].padded(lo: [1, 0, 2], hi: [0, 1, 1], mode: .replicate) },
        GradCase("concatenate axis 1", [rnd([2, 3], seed: 74), rnd([2, 1], seed: 75), rnd([2, 2], seed: 76)]) {
            Variable.concatenate($0, axis: 1)
        },
        GradCase("concatenate axis 0", [rnd([1, 3], seed: 77), rnd([2, 3], seed: 78)]) { Variable.concatenate($0, axis: 0) },
        GradCase("concatenate reused input", [rnd([2, 2], seed: 79)]) { Variable.concatenate([$0[0], $0[0] * 2], axis: -1) },
        GradCase("stack axis 0", [rnd([2, 3], seed: 80), rnd([2, 3], seed: 81)]) { Variable.stack($0, axis: 0) },
        GradCase("stack axis 2", [rnd([2, 3], seed: 82), rnd([2, 3], seed: 83), rnd([2, 3], seed: 84)]) { Variable.stack($0, axis: 2) },
        GradCase("stack axis -1", [rnd([3, 2], seed: 85), rnd([3, 2], seed: 86)]) { Variable.stack($0, axis: -1) },
    ]

    static let reductions: [GradCase] = [
        GradCase("sum all", [rnd([2, 3, 4], seed: 90)]) { $0[0].sum() },
        GradCase("sum [0,2]", [rnd([2, 3, 4], seed: 91)]) { $0[0].sum(axes: [0, 2]) },
        GradCase("sum [1] keepDims", [rnd([2, 3, 4], seed: 92)]) { $0[0].sum(axes: [1], keepDims: true) },
        GradCase("mean all", [rnd([2, 3, 4], seed: 93)]) { $0[0].mean() },
        GradCase("mean [-1]", [rnd([2, 3, 4], seed: 94)]) { $0[0].mean(axes: [-1]) },
        GradCase("mean [0,2] keepDims", [rnd([2, 3, 4], seed: 95)]) { $0[0].mean(axes: [0, 2], keepDims: true) },
        GradCase("variance all", [rnd([2, 3, 4], seed: 96)]) { $0[0].variance() },
        GradCase("variance [0,2]", [rnd([2, 3, 4], seed: 97)]) { $0[0].variance(axes: [0, 2]) },
        GradCase("variance [1] keepDims", [rnd([2, 3, 4], seed: 98)]) { $0[0].variance(axes: [1], keepDims: true) },
        GradCase("max all", [spread([2, 3, 4], seed: 99)]) { $0[0].max() },
        GradCase("max [1]", [spread([2, 3, 4], seed: 100)]) { $0[0].max(axes: [1]) },
        GradCase("max [0,2] keepDims", [spread([2, 3, 4], seed: 101)]) { $0[0].max(axes: [0, 2], keepDims: true) },
        GradCase("max [-1] of a product", [spread([3, 4], seed: 102)]) { ($0[0] * 2).max(axes: [-1]) },
        GradCase("logSumExp [1]", [rnd([2, 3, 4], seed: 103, low: -2, high: 2)]) { $0[0].logSumExp(axes: [1]) },
        GradCase("logSumExp [0,2] keepDims", [rnd([2, 3, 4], seed: 104, low: -2, high: 2)]) { $0[0].logSumExp(axes: [0, 2], keepDims: true) },
        GradCase("logSumExp of large values", [rnd([2, 5], seed: 105, low: 40, high: 44)]) { $0[0].logSumExp(axes: [1]) },
        GradCase("globalAvgPooled 2-D", [rnd([2, 3, 3, 3], seed: 106)]) { $0[0].globalAvgPooled() },
        GradCase("globalAvgPooled 1-D", [rnd([2, 3, 5], seed: 107)]) { $0[0].globalAvgPooled() },
        GradCase("globalAvgPooled 3-D", [rnd([1, 2, 2, 3, 2], seed: 108)]) { $0[0].globalAvgPooled() },
    ]

    @Test(arguments: arithmetic) func arithmetic(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: matmuls) func matmul(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: shapes) func shapeOps(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: reductions) func reductions(_ c: GradCase) { expectGradientsMatch(c) }

    /// Negative axes count from the end, as Tensor.stack (axis -1 appends a new last axis); this used to trap.
    @Test func stackTakesNegativeAxes() async {
        await #expect(processExitsWith: .success) {
            let a = Variable(Tensor.arange([2, 3])), b = Variable(Tensor.arange([2, 3], start: 10))
            let s = Variable.stack([a, b], axis: -1)
            let t = Tensor.stack([a.value, b.value], axis: -1)
            if s.shape != [2, 3, 2] || s.value.scalars != t.scalars { exit(1) }
        }
    }

    /// Forward values of the shape ops the PyTorch fixtures do not cover.
    @Test func shapeOpForwardValues() {
        let x = Variable(Tensor.arange([2, 3]), requiresGrad: true)
        #expect(x.permuted([1, 0]).value.scalars == [0, 3, 1, 4, 2, 5])
        #expect(x.sliced(axis: 1, 1..<3).value.scalars == [1, 2, 4, 5])
        #expect(Variable.stack([x, x], axis: 1).value.shape == [2, 2, 3])
        let twice: [Float] = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
        #expect(Variable.concatenate([x, x], axis: 0).value.scalars == twice)
        let y = x.variance(axes: [1])
        let third: Float = 2.0 / 3
        #expect(approxEqualA(y.value.scalars, [third, third]))
        let c = Float(Foundation.log(1 + Foundation.exp(3.0)))
        #expect(approxEqualA(x.logSumExp(axes: [0]).value.scalars, [c, 1 + c, 2 + c]))
    }
}
