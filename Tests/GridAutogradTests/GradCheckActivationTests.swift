// Gradient checks of activations, softmax, PReLU, the WaveNet gate, batch norm, LRN and dropout, and forward
// values of the ones the PyTorch fixtures do not cover.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

@Suite struct GradCheckActivationTests {
    static let activations: [GradCase] = [
        GradCase("relu", [spread([2, 3, 4], seed: 1)]) { $0[0].relu() },
        GradCase("leakyRelu 0.1", [spread([2, 3, 4], seed: 2)]) { $0[0].leakyRelu(0.1) },
        GradCase("leakyRelu default", [spread([2, 6], seed: 3)]) { $0[0].leakyRelu() },
        GradCase("elu 1", [spread([2, 3, 4], seed: 4)]) { $0[0].elu() },
        GradCase("elu 0.5", [spread([2, 3, 4], seed: 5)]) { $0[0].elu(0.5) },
        GradCase("gelu", [rnd([2, 3, 4], seed: 6, low: -3, high: 3)]) { $0[0].gelu() },
        GradCase("geluTanh", [rnd([2, 3, 4], seed: 7, low: -3, high: 3)]) { $0[0].geluTanh() },
        GradCase("sigmoid", [rnd([2, 3, 4], seed: 8, low: -4, high: 4)]) { $0[0].sigmoid() },
        GradCase("tanh", [rnd([2, 3, 4], seed: 9, low: -2, high: 2)]) { $0[0].tanh() },
        GradCase("lecunTanh", [rnd([2, 3, 4], seed: 10, low: -3, high: 3)]) { $0[0].lecunTanh() },
        GradCase("softplus", [Tensor(shape: [8], scalars: [-25, -3, -0.5, 0, 0.7, 4, 19, 25])]) { $0[0].softplus() },
        GradCase("exp", [rnd([2, 3], seed: 11, low: -2, high: 2)]) { $0[0].exp() },
        GradCase("log", [rnd([2, 3], seed: 12, low: 0.5, high: 3)]) { $0[0].log() },
        GradCase("sqrt", [rnd([2, 3], seed: 13, low: 0.5, high: 3)]) { $0[0].sqrt() },
        GradCase("squared", [rnd([2, 3], seed: 14, low: -2, high: 2)]) { $0[0].squared() },
        GradCase("abs", [spread([2, 3], seed: 15)]) { $0[0].abs() },
        GradCase("pointwise cube", [rnd([2, 3], seed: 16)]) { $0[0].pointwise({ $0 * $0 * $0 }, derivative: { x, _ in 3 * x * x }) },
        GradCase("softmax axis 1", [rnd([2, 4, 3], seed: 17, low: -2, high: 2)]) { $0[0].softmax() },
        GradCase("softmax axis -1", [rnd([2, 3, 5], seed: 18, low: -2, high: 2)]) { $0[0].softmax(axis: -1) },
        GradCase("softmax axis 0", [rnd([3, 4], seed: 19, low: -2, high: 2)]) { $0[0].softmax(axis: 0) },
        GradCase("logSoftmax axis 1", [rnd([2, 4, 3], seed: 20, low: -2, high: 2)]) { $0[0].logSoftmax() },
        GradCase("logSoftmax axis 2", [rnd([2, 3, 5], seed: 21, low: -2, high: 2)]) { $0[0].logSoftmax(axis: 2) },
        GradCase("logSoftmax large logits", [rnd([2, 4], seed: 22, low: 50, high: 60)]) { $0[0].logSoftmax() },
        GradCase("prelu [2,3,2,2]", [spread([2, 3, 2, 2], seed: 23), rnd([3], seed: 24)]) { $0[0].prelu($0[1]) },
        GradCase("prelu [2,3,4]", [spread([2, 3, 4], seed: 25), rnd([3], seed: 26, low: 0, high: 0.5)]) { $0[0].prelu($0[1]) },
        GradCase("prelu [4,2]", [spread([4, 2], seed: 27), rnd([2], seed: 28)]) { $0[0].prelu($0[1]) },
        GradCase("gatedActivation", [rnd([2, 3, 4], seed: 29, low: -2, high: 2), rnd([2, 3, 4], seed: 30, low: -2, high: 2)]) {
            Variable.gatedActivation($0[0], $0[1])
        },
    ]

    static let normalization: [GradCase] = [
        GradCase("batchNorm train [3,2,2,2]", [rnd([3, 2, 2, 2], seed: 40), rnd([2], seed: 41, low: 0.5, high: 1.5), rnd([2], seed: 42)]) { v in
            var rm = Tensor(zeros: [2]), rv = Tensor(ones: [2])
            return v[0].batchNorm(gamma: v[1], beta: v[2], runningMean: &rm, runningVar: &rv, training: true)
        },
        GradCase("batchNorm train [4,3]", [rnd([4, 3], seed: 43), rnd([3], seed: 44, low: 0.5, high: 1.5), rnd([3], seed: 45)]) { v in
            var rm = Tensor(zeros: [3]), rv = Tensor(ones: [3])
            return v[0].batchNorm(gamma: v[1], beta: v[2], runningMean: &rm, runningVar: &rv, training: true)
        },
        GradCase("batchNorm train 3-D", [rnd([2, 2, 2, 2, 2], seed: 46), rnd([2], seed: 47, low: 0.5, high: 1.5), rnd([2], seed: 48)]) { v in
            var rm = Tensor(zeros: [2]), rv = Tensor(ones: [2])
            return v[0].batchNorm(gamma: v[1], beta: v[2], runningMean: &rm, runningVar: &rv, training: true, momentum: 0.3, eps: 1e-3)
        },
        GradCase("batchNorm eval", [rnd([2, 3, 2, 2], seed: 49), rnd([3], seed: 50, low: 0.5, high: 1.5), rnd([3], seed: 51)]) { v in
            var rm = rnd([3], seed: 52), rv = rnd([3], seed: 53, low: 0.5, high: 2)
            return v[0].batchNorm(gamma: v[1], beta: v[2], runningMean: &rm, runningVar: &rv, training: false)
        },
        GradCase("LRN size 3", [rnd([2, 5, 2, 2], seed: 54)]) { $0[0].localResponseNorm(size: 3, alpha: 0.5, beta: 0.75, k: 1) },
        GradCase("LRN size 4", [rnd([2, 5, 2, 2], seed: 55)]) { $0[0].localResponseNorm(size: 4, alpha: 0.8, beta: 0.6, k: 1.5) },
        GradCase("LRN size 5", [rnd([1, 6, 3], seed: 56, low: -2, high: 2)]) { $0[0].localResponseNorm(size: 5, alpha: 1, beta: 0.75, k: 2) },
        GradCase("LRN AlexNet defaults", [rnd([1, 7, 2, 2], seed: 57)]) { $0[0].localResponseNorm() },
        GradCase("dropout 0.4", [rnd([2, 3, 4], seed: 58)]) { v in
            var g = SeededGenerator(seed: 5)
            return v[0].dropout(0.4, training: true, rng: &g)
        },
        GradCase("dropout spatial 0.5", [rnd([2, 4, 3, 3], seed: 59)]) { v in
            var g = SeededGenerator(seed: 6)
            return v[0].dropout(0.5, training: true, spatial: true, rng: &g)
        },
        GradCase("dropout eval", [rnd([2, 3], seed: 60)]) { v in
            var g = SeededGenerator(seed: 7)
            return v[0].dropout(0.5, training: false, rng: &g) * 2
        },
    ]

    @Test(arguments: activations) func activations(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: normalization) func normalization(_ c: GradCase) { expectGradientsMatch(c) }

    @Test func activationForwardValues() {
        func f(_ x: Float, _ op: (Variable) -> Variable) -> Float { op(Variable(Tensor(shape: [1], scalars: [x]))).value.item }
        #expect(Swift.abs(f(1) { $0.gelu() } - 0.8413447) < 1e-6)
        #expect(Swift.abs(f(-1) { $0.gelu() } + 0.1586553) < 1e-6)
        #expect(Swift.abs(f(1) { $0.geluTanh() } - 0.8411920) < 1e-6)
        #expect(Swift.abs(f(-1) { $0.elu() } - (Foundation.exp(-1) - 1)) < 1e-6)
        #expect(Swift.abs(f(-2) { $0.elu(0.5) } - 0.5 * (Foundation.exp(-2) - 1)) < 1e-6)
        #expect(f(-2) { $0.leakyRelu(0.1) } == -0.2 && f(3) { $0.leakyRelu(0.1) } == 3)
        #expect(Swift.abs(f(1.5) { $0.lecunTanh() } - 1.7159 * Foundation.tanh(1)) < 1e-6)
        #expect(Swift.abs(f(0) { $0.softplus() } - Foundation.log(2)) < 1e-6 && f(30) { $0.softplus() } == 30)
        #expect(f(0) { $0.sigmoid() } == 0.5 && f(-3) { $0.abs() } == 3)
        // PReLU: per-channel slopes on axis 1.
        let x = Variable(Tensor(shape: [1, 2, 2], scalars: [-1, 2, -3, 4]))
        #expect(x.prelu(Variable(Tensor(shape: [2], scalars: [0.1, 0.5]))).value.scalars == [-0.1, 2, -1.5, 4])
        let gate = Variable.gatedActivation(Variable(Tensor(shape: [1], scalars: [0.5])), Variable(Tensor(shape: [1], scalars: [0.3])))
        #expect(Swift.abs(gate.value.item - Foundation.tanh(0.5) / (1 + Foundation.exp(-0.3))) < 1e-6)
    }

    @Test func dropoutMaskProperties() {
        let x = Variable(Tensor(ones: [1000]), requiresGrad: true)
        var g = SeededGenerator(seed: 1)
        let y = x.dropout(0.3, training: true, rng: &g)
        let v = y.value.scalars
        #expect(v.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
        let dropped = Double(v.filter { $0 == 0 }.count) / 1000
        #expect(Swift.abs(dropped - 0.3) < 0.06, "dropped fraction \(dropped)")
        y.sum().backward()
        #expect(x.grad!.scalars == v, "the gradient uses the same mask")
        // Same seed, same mask; evaluation and p = 0 are the identity.
        var g2 = SeededGenerator(seed: 1)
        #expect(x.dropout(0.3, training: true, rng: &g2).value.scalars == v)
        var g3 = SeededGenerator(seed: 1)
        #expect(x.dropout(0.3, training: false, rng: &g3) === x && x.dropout(0, training: true, rng: &g3) === x)
        // Spatial dropout drops whole channels.
        var g4 = SeededGenerator(seed: 2)
        let s = Variable(Tensor(ones: [4, 8, 3, 3])).dropout(0.5, training: true, spatial: true, rng: &g4).value
        let planes = s.reshaped([32, 9]).scalars
        for p in 0..<32 { #expect(Set(planes[(p * 9)..<(p * 9 + 9)]).count == 1) }
        #expect(Set(planes).count == 2)
    }

    @Test func batchNormRunningStatistics() {
        // Channel 0: [1, 3, 5, 7] (mean 4, unbiased var 20/3); channel 1: all 2 (var 0).
        let x = Variable(Tensor(shape: [2, 2, 2], scalars: [1, 3, 2, 2, 5, 7, 2, 2]), requiresGrad: true)
        var rm = Tensor(zeros: [2]), rv = Tensor(ones: [2])
        let y = x.batchNorm(gamma: Variable(Tensor(ones: [2])), beta: Variable(Tensor(zeros: [2])), runningMean: &rm, runningVar: &rv,
                            training: true, momentum: 0.1)
        #expect(approxEqualA(rm.scalars, [0.4, 0.2]))
        #expect(approxEqualA(rv.scalars, [0.9 + 0.1 * 20 / 3, 0.9]))
        let inv = 1 / Float((5.0 + 1e-5).squareRoot())
        #expect(approxEqualA(y.value.scalars, [-3 * inv, -inv, 0, 0, inv, 3 * inv, 0, 0]))
        let e = x.batchNorm(gamma: Variable(Tensor(ones: [2])), beta: Variable(Tensor(zeros: [2])), runningMean: &rm, runningVar: &rv,
                            training: false)
        #expect(approxEqualA(rm.scalars, [0.4, 0.2]), "eval leaves the running statistics alone")
        #expect(approxEqualA([e.value[0, 0, 0]], [(1 - 0.4) / (rv.scalars[0] + 1e-5).squareRoot()]))
    }
}
