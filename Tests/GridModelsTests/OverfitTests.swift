// Every small model memorises one tiny fixed batch: the loss falls by at least 90% within a few hundred Adam steps.
import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

@Suite(.serialized) struct OverfitTests {
    func expectFalls(_ r: (first: Float, last: Float), _ what: String) {
        #expect(r.last <= 0.1 * r.first, "\(what): loss \(r.first) -> \(r.last)")
    }

    @Test func srcnn() {
        var rng = SeededGenerator(seed: 1)
        let m = SRCNN(SRCNNConfig(inChannels: 2, kernels: [5, 1, 3], widths: [8, 4], residualChannel: 0), seed: 1)
        let x = Variable(Tensor.normal([2, 2, 8, 8], rng: &rng)), y = Variable(Tensor.normal([2, 1, 8, 8], rng: &rng))
        expectFalls(overfit(m, steps: 300) { Loss.mse(m(x), y) }, "SRCNN")
    }

    @Test func unet() {
        var rng = SeededGenerator(seed: 2)
        let m = UNet(UNetConfig(inChannels: 1, outChannels: 1, base: 4, depth: 2), seed: 2)
        let x = Variable(Tensor.normal([2, 1, 8, 8], rng: &rng)), y = Variable(Tensor.normal([2, 1, 8, 8], rng: &rng))
        expectFalls(overfit(m, steps: 200, learningRate: 2e-2) { Loss.mse(m(x), y) }, "UNet")
    }

    @Test func wavenet() {
        let cfg = WaveNetConfig(classes: 8, residualChannels: 8, skipChannels: 8, layers: 3, stacks: 1)
        let m = WaveNet(cfg, seed: 3)
        var rng = SeededGenerator(seed: 3)
        let seq = (0..<17).map { _ in Int(rng.next() % 8) }
        let x = Variable(oneHot(Array(seq.dropLast()), count: 8)), targets = Array(seq.dropFirst())
        expectFalls(overfit(m, steps: 300) { Loss.crossEntropy(m(x), targets: targets) }, "WaveNet")
    }

    @Test func tdnn() {
        var rng = SeededGenerator(seed: 4)
        let m = TDNN(seed: 4)
        let x = Variable(Tensor.normal([3, 16, 15], rng: &rng))
        expectFalls(overfit(m, steps: 300, learningRate: 5e-2) { Loss.crossEntropy(m(x), targets: [0, 1, 2]) }, "TDNN")
    }

    @Test func lenet5() {
        var rng = SeededGenerator(seed: 5)
        let m = ConvNet(.lenet5(), seed: 5)
        let x = Variable(Tensor.normal([3, 1, 32, 32], rng: &rng))
        expectFalls(overfit(m, steps: 100, learningRate: 3e-3) { Loss.crossEntropy(m(x), targets: [3, 7, 1]) }, "LeNet-5")
    }

    @Test func smallAlexNetWeatherClassifier() {
        var rng = SeededGenerator(seed: 6)
        let m = ConvNet(.extremeWeather(inChannels: 3, inputSize: [16, 16], classes: 2, widths: [4, 8], hidden: [16], dropout: 0), seed: 6)
        let x = Variable(Tensor.normal([4, 3, 16, 16], rng: &rng))
        expectFalls(overfit(m, steps: 150, learningRate: 1e-2) { Loss.crossEntropy(m(x), targets: [0, 1, 1, 0]) }, "weather CNN")
    }

    @Test func jetCNNOneLogit() {
        var rng = SeededGenerator(seed: 7)
        let m = ConvNet(.jetCNN(widths: [4, 8], hidden: [16], classes: 1, dropout: 0), seed: 7)
        let x = Variable(Tensor.normal([4, 1, 25, 25], rng: &rng))
        let t = Tensor(shape: [4, 1], scalars: [1, 0, 0, 1])
        expectFalls(overfit(m, steps: 150) { Loss.bceWithLogits(m(x), t) }, "jet CNN")
    }

    @Test func tinyVGGAndResNet() {
        var rng = SeededGenerator(seed: 8)
        let vgg = ConvNet(.vgg(convsPerBlock: [1, 2], widths: [4, 8], inChannels: 2, inputSize: [8, 8], hidden: [16], classes: 3, batchNorm: true), seed: 8)
        let x = Variable(Tensor.normal([3, 2, 8, 8], rng: &rng))
        vgg.classifier.namedModules.compactMap { $0.layer as? Dropout }.forEach { $0.eval() }
        expectFalls(overfit(vgg, steps: 150) { Loss.crossEntropy(vgg(x), targets: [0, 1, 2]) }, "VGG")
        let res = ResNet(ResNetConfig(inChannels: 2, classes: 3, blocks: [1, 1], widths: [4, 8], stem: .small), seed: 8)
        expectFalls(overfit(res, steps: 150) { Loss.crossEntropy(res(x), targets: [0, 1, 2]) }, "ResNet")
    }

    @Test func maxoutNet() {
        var rng = SeededGenerator(seed: 9)
        let m = MaxOutNet(MaxOutNetConfig(inFeatures: 25, units: [16, 8], pieces: 3, hidden: [8], classes: 1), seed: 9)
        let x = Variable(Tensor.normal([4, 1, 5, 5], rng: &rng))
        let t = Tensor(shape: [4, 1], scalars: [1, 0, 1, 0])
        expectFalls(overfit(m, steps: 200) { Loss.bceWithLogits(m(x), t) }, "maxout")
    }
}
