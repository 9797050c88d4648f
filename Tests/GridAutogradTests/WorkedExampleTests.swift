// Worked numbers from the checklist run through the differentiable ops, and a small CNN that must overfit one batch.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

@Suite struct WorkedExampleTests {
    @Test func softmaxOfFourOneMinusTwo() {
        let p = Variable(Tensor(shape: [1, 3], scalars: [4, 1, -2])).softmax(axis: 1).value.scalars
        #expect(p.map { ($0 * 10_000).rounded() / 10_000 } == [0.9503, 0.0473, 0.0024])
        #expect(Swift.abs(p.reduce(0, +) - 1) < 1e-6)
        let lp = Variable(Tensor(shape: [1, 3], scalars: [4, 1, -2])).logSoftmax(axis: 1).value.scalars
        #expect(approxEqualA(lp, p.map { Foundation.log($0) }))
    }

    @Test func tdnnShapes() {
        // 15 frames x 16 features -> conv1d k3 (8 filters) -> 13 x 8 -> conv1d k5 (3 filters) -> 9 x 3.
        let x = Variable(rnd([1, 16, 15], seed: 1))
        let h = Variable.conv(x, Variable(rnd([8, 16, 3], seed: 2)))
        let y = Variable.conv(h, Variable(rnd([3, 8, 5], seed: 3)))
        #expect(h.shape == [1, 8, 13] && y.shape == [1, 3, 9])
    }

    @Test func leNetShapes() {
        let x = Variable(rnd([1, 1, 32, 32], seed: 4))
        let c1 = Variable.conv(x, Variable(rnd([6, 1, 5, 5], seed: 5))).tanh()
        let s2 = c1.avgPooled(kernel: [2, 2])
        let c3 = Variable.conv(s2, Variable(rnd([16, 6, 5, 5], seed: 6))).tanh()
        let s4 = c3.maxPooled(kernel: [2, 2])
        #expect([c1.shape, s2.shape, c3.shape, s4.shape] == [[1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 5, 5]])
        let gap = Variable(rnd([1, 256, 7, 7], seed: 7)).globalAvgPooled()
        #expect(gap.shape == [1, 256])
    }

    @Test func cs231nConvLayerShape() {
        // 5x5x3 input, 2 filters 3x3, stride 2, pad 1 -> 3x3x2.
        let y = Variable.conv(Variable(rnd([1, 3, 5, 5], seed: 8)), Variable(rnd([2, 3, 3, 3], seed: 9)), bias: Variable(Tensor(ones: [2])),
                              stride: [2, 2], padding: .symmetric([1, 1]))
        #expect(y.shape == [1, 2, 3, 3])
    }
}

/// Minimal Adam over a list of Variables (no GridNN).
struct TinyAdam {
    var m: [Tensor], v: [Tensor], step = 0
    let lr: Float, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
    init(_ params: [Variable], lr: Float) {
        m = params.map { Tensor(zeros: $0.shape) }; v = m; self.lr = lr
    }
    mutating func update(_ params: [Variable]) {
        step += 1
        let c1 = 1 - Foundation.pow(b1, Float(step)), c2 = 1 - Foundation.pow(b2, Float(step))
        for (i, p) in params.enumerated() {
            guard let g = p.grad else { continue }
            m[i] = m[i] * b1 + g * (1 - b1)
            v[i] = v[i] * b2 + g.squared() * (1 - b2)
            p.value = p.value - (m[i] / c1) * lr / ((v[i] / c2).sqrt() + eps)
            p.zeroGrad()
        }
    }
}

@Suite struct OverfitTests {
    /// conv 1->C 3x3 same, ReLU, conv C->1 3x3 same on 4 random 1x8x8 inputs with random targets: Adam must bring
    /// the MSE below 1% of where it started.
    @Test func smallCNNOverfitsOneBatch() {
        var rng = SeededGenerator(seed: 2024)
        let hidden = 32
        let x = Variable(Tensor.normal([4, 1, 8, 8], rng: &rng))
        let t = Variable(Tensor.normal([4, 1, 8, 8], rng: &rng))
        let w1 = Variable(Tensor.normal([hidden, 1, 3, 3], std: (2.0 / 9).squareRoot(), rng: &rng), requiresGrad: true)
        let b1 = Variable(Tensor(zeros: [hidden]), requiresGrad: true)
        let w2 = Variable(Tensor.normal([1, hidden, 3, 3], std: (1.0 / Float(9 * hidden)).squareRoot(), rng: &rng), requiresGrad: true)
        let b2 = Variable(Tensor(zeros: [1]), requiresGrad: true)
        let params = [w1, b1, w2, b2]
        func loss() -> Variable {
            let h = Variable.conv(x, w1, bias: b1, padding: .same).relu()
            return Loss.mse(Variable.conv(h, w2, bias: b2, padding: .same), t)
        }
        var opt = TinyAdam(params, lr: 0.01)
        let start = loss().value.item
        var last = start
        for _ in 0..<600 {
            let l = loss()
            last = l.value.item
            if last < 0.005 * start { break }
            l.backward()
            opt.update(params)
        }
        #expect(start > 0.5, "the random targets start far from the untrained output (\(start))")
        #expect(last < 0.01 * start, "MSE went from \(start) to \(last)")
    }

    /// The same network trained with plain SGD still decreases the loss (a sign check on every gradient).
    @Test func sgdDecreasesTheLoss() {
        var rng = SeededGenerator(seed: 7)
        let x = Variable(Tensor.normal([2, 1, 6, 6], rng: &rng)), t = Variable(Tensor.normal([2, 1, 6, 6], rng: &rng))
        let w1 = Variable(Tensor.normal([4, 1, 3, 3], std: 0.4, rng: &rng), requiresGrad: true)
        let w2 = Variable(Tensor.normal([1, 4, 3, 3], std: 0.2, rng: &rng), requiresGrad: true)
        func loss() -> Variable { Loss.mse(Variable.conv(Variable.conv(x, w1, padding: .same).tanh(), w2, padding: .same), t) }
        let start = loss().value.item
        for _ in 0..<50 {
            let l = loss()
            l.backward()
            for p in [w1, w2] { p.value = p.value - p.grad! * 0.05; p.zeroGrad() }
        }
        #expect(loss().value.item < 0.9 * start)
    }
}
