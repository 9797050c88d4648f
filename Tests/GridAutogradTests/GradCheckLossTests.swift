// Gradient checks of every loss, with and without masks, and loss values worked by hand.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

@Suite struct GradCheckLossTests {
    static let targets4 = [0, 2, 1, 2]
    static let targetsSpatial = [0, 2, 1, 1, 2, 0, 0, 1]     // [2, 2, 2] for logits [2, 3, 2, 2]

    static let regression: [GradCase] = [
        GradCase("mse", [rnd([2, 3, 2], seed: 1), rnd([2, 3, 2], seed: 2)]) { Loss.mse($0[0], $0[1]) },
        GradCase("mse masked", [rnd([2, 3, 2], seed: 3), rnd([2, 3, 2], seed: 4)]) { Loss.mse($0[0], $0[1], mask: binary([2, 3, 2], seed: 5)) },
        GradCase("mae", [rnd([2, 3, 2], seed: 6) + spread([2, 3, 2], seed: 7), rnd([2, 3, 2], seed: 6)]) { Loss.mae($0[0], $0[1]) },
        GradCase("mae masked", [rnd([2, 3, 2], seed: 8) + spread([2, 3, 2], seed: 9), rnd([2, 3, 2], seed: 8)]) {
            Loss.mae($0[0], $0[1], mask: binary([2, 3, 2], seed: 10))
        },
    ]

    static let classification: [GradCase] = [
        GradCase("crossEntropy", [rnd([4, 3], seed: 20, low: -2, high: 2)]) { Loss.crossEntropy($0[0], targets: targets4) },
        GradCase("crossEntropy weights", [rnd([4, 3], seed: 21, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: targets4, classWeights: [0.2, 1, 2.5])
        },
        GradCase("crossEntropy ignoreIndex", [rnd([4, 3], seed: 22, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: [0, 1, 2, 1], ignoreIndex: 1)
        },
        GradCase("crossEntropy label smoothing", [rnd([4, 3], seed: 23, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: targets4, labelSmoothing: 0.1)
        },
        GradCase("crossEntropy mask", [rnd([4, 3], seed: 24, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: targets4, mask: Tensor(shape: [4], scalars: [1, 0, 1, 1]))
        },
        GradCase("crossEntropy weights+smoothing+ignore+mask", [rnd([4, 3], seed: 25, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: [0, 2, -1, 1], classWeights: [0.5, 2, 1], ignoreIndex: -1, labelSmoothing: 0.2,
                              mask: Tensor(shape: [4], scalars: [1, 1, 1, 0]))
        },
        GradCase("crossEntropy spatial", [rnd([2, 3, 2, 2], seed: 26, low: -2, high: 2)]) { Loss.crossEntropy($0[0], targets: targetsSpatial) },
        GradCase("crossEntropy spatial mask+weights", [rnd([2, 3, 2, 2], seed: 27, low: -2, high: 2)]) {
            Loss.crossEntropy($0[0], targets: targetsSpatial, classWeights: [1, 3, 0.5], mask: binary([2, 2, 2], seed: 28))
        },
        GradCase("crossEntropy of a product", [rnd([4, 3], seed: 29), rnd([3], seed: 30)]) {
            Loss.crossEntropy($0[0] * $0[1] * 3, targets: targets4)
        },
        GradCase("bce", [rnd([2, 3, 2, 2], seed: 40, low: -3, high: 3)]) { Loss.bceWithLogits($0[0], binary([2, 3, 2, 2], seed: 41)) },
        GradCase("bce soft targets", [rnd([2, 3], seed: 42, low: -3, high: 3)]) { Loss.bceWithLogits($0[0], rnd([2, 3], seed: 43, low: 0, high: 1)) },
        GradCase("bce posWeight [3,1,1]", [rnd([2, 3, 2, 2], seed: 44, low: -3, high: 3)]) {
            Loss.bceWithLogits($0[0], binary([2, 3, 2, 2], seed: 45), posWeight: Tensor(shape: [3, 1, 1], scalars: [0.5, 2, 4]))
        },
        GradCase("bce mask", [rnd([2, 3, 2, 2], seed: 46, low: -3, high: 3)]) {
            Loss.bceWithLogits($0[0], binary([2, 3, 2, 2], seed: 47), mask: binary([2, 3, 2, 2], seed: 48))
        },
        GradCase("bce posWeight+mask", [rnd([2, 3, 2, 2], seed: 49, low: -3, high: 3)]) {
            Loss.bceWithLogits($0[0], binary([2, 3, 2, 2], seed: 50), posWeight: Tensor(shape: [3, 1, 1], scalars: [3, 1, 0.2]),
                               mask: binary([2, 3, 2, 2], seed: 51))
        },
        GradCase("softDice", [rnd([2, 1, 3, 3], seed: 60, low: -2, high: 2)]) { Loss.softDice($0[0], binary([2, 1, 3, 3], seed: 61)) },
        GradCase("softDice mask smooth 0.5", [rnd([2, 1, 3, 3], seed: 62, low: -2, high: 2)]) {
            Loss.softDice($0[0], binary([2, 1, 3, 3], seed: 63), smooth: 0.5, mask: binary([2, 1, 3, 3], seed: 64, p: 0.7))
        },
        GradCase("softIoU", [rnd([2, 1, 3, 3], seed: 65, low: -2, high: 2)]) { Loss.softIoU($0[0], binary([2, 1, 3, 3], seed: 66)) },
        GradCase("softIoU mask smooth 0.5", [rnd([2, 1, 3, 3], seed: 67, low: -2, high: 2)]) {
            Loss.softIoU($0[0], binary([2, 1, 3, 3], seed: 68), smooth: 0.5, mask: binary([2, 1, 3, 3], seed: 69, p: 0.7))
        },
    ]

    @Test(arguments: regression) func regression(_ c: GradCase) { expectGradientsMatch(c) }
    @Test(arguments: classification) func classification(_ c: GradCase) { expectGradientsMatch(c) }

    @Test func lossValuesWorkedByHand() {
        let ln3 = Float(Foundation.log(3.0)), ln2 = Float(Foundation.log(2.0))
        let zeros = Variable(Tensor(zeros: [2, 3]), requiresGrad: true)
        // Uniform logits: -log(1/3) whatever the weights or smoothing.
        #expect(Swift.abs(Loss.crossEntropy(zeros, targets: [0, 2]).value.item - ln3) < 1e-6)
        #expect(Swift.abs(Loss.crossEntropy(zeros, targets: [0, 2], classWeights: [1, 1, 5]).value.item - ln3) < 1e-6)
        #expect(Swift.abs(Loss.crossEntropy(zeros, targets: [0, 2], labelSmoothing: 0.3).value.item - ln3) < 1e-6)
        // Everything ignored: zero loss and zero gradient, not NaN.
        let none = Loss.crossEntropy(zeros, targets: [-100, -100])
        #expect(none.value.item == 0)
        none.backward()
        #expect(zeros.grad!.scalars.allSatisfy { $0 == 0 })
        // Confident and right: [10, 0, 0] for class 0 gives log(1 + 2 e^-10).
        let sure = Loss.crossEntropy(Variable(Tensor(shape: [1, 3], scalars: [10, 0, 0])), targets: [0]).value.item
        #expect(Swift.abs(sure - Float(Foundation.log(1 + 2 * Foundation.exp(-10.0)))) < 1e-6)
        // Weighted mean divides by the summed weights: per-sample losses l0, l1 -> (w0 l0 + w2 l1) / (w0 + w2).
        let two = Variable(Tensor(shape: [2, 3], scalars: [2, 0, 0, 0, 0, 1]))
        let l0 = Float(Foundation.log(Foundation.exp(2.0) + 2) - 2), l1 = Float(Foundation.log(2 + Foundation.exp(1.0)) - 1)
        let weighted = Loss.crossEntropy(two, targets: [0, 2], classWeights: [1, 1, 3]).value.item
        #expect(Swift.abs(weighted - (l0 + 3 * l1) / 4) < 1e-5)
        // BCE on logit 0: log 2, times the positive weight for positives; masked-out points do not count.
        let x0 = Variable(Tensor(zeros: [2]))
        #expect(Swift.abs(Loss.bceWithLogits(x0, Tensor(shape: [2], scalars: [1, 0])).value.item - ln2) < 1e-6)
        #expect(Swift.abs(Loss.bceWithLogits(x0, Tensor(ones: [2]), posWeight: Tensor(shape: [1], scalars: [3])).value.item - 3 * ln2) < 1e-5)
        let big = Variable(Tensor(shape: [2], scalars: [0, 100]))
        #expect(Swift.abs(Loss.bceWithLogits(big, Tensor(zeros: [2]), mask: Tensor(shape: [2], scalars: [1, 0])).value.item - ln2) < 1e-6)
        #expect(Loss.bceWithLogits(Variable(Tensor(shape: [1], scalars: [-200])), Tensor(ones: [1])).value.item == 200)
        // Dice and IoU with p = 0.5 everywhere and t = [1, 0, 1, 1]: 1 - 4/6 and 1 - 2.5/4.5.
        let half = Variable(Tensor(zeros: [1, 1, 2, 2])), t = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 1, 1])
        #expect(Swift.abs(Loss.softDice(half, t).value.item - 1.0 / 3) < 1e-6)
        #expect(Swift.abs(Loss.softIoU(half, t).value.item - 2.0 / 4.5) < 1e-6)
        // A perfect prediction scores 0.
        let perfect = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [30, -30, 30, 30]))
        #expect(Swift.abs(Loss.softDice(perfect, t).value.item) < 1e-6 && Swift.abs(Loss.softIoU(perfect, t).value.item) < 1e-6)
        // Masked regression: only the counted points, divided by their number.
        let m = Tensor(shape: [4], scalars: [1, 0, 1, 0])
        let a = Variable(Tensor(shape: [4], scalars: [1, 100, 3, -50])), b = Variable(Tensor(shape: [4], scalars: [0, 0, 0, 0]))
        #expect(Loss.mse(a, b, mask: m).value.item == 5 && Loss.mae(a, b, mask: m).value.item == 2)
        #expect(Loss.mse(a, b).value.item == Float(1 + 10_000 + 9 + 2500) / 4)
    }
}
