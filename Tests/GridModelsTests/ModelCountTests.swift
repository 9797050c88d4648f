// Parameter counts and output shapes against PyTorch (Fixtures/model_counts.json).
import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

@Suite(.serialized) struct ModelCountTests {
    func check(_ key: String, _ model: any Layer, forward: Bool = true) {
        guard let c = modelCounts[key] else { Issue.record("fixture \(key) missing"); return }
        #expect(model.parameterCount == c.params, "\(key)")
        if forward { #expect(model(Variable(Tensor(zeros: c.inputShape))).shape == c.outputShape, "\(key)") }
    }

    @Test func fixturesLoaded() { #expect(modelCounts.count >= 16) }

    @Test func srcnn() {
        check("srcnn_915_cin2", SRCNN(SRCNNConfig(inChannels: 2)))
        check("srcnn_955_cin1", SRCNN(.v955()))
        let r = SRCNN(SRCNNConfig(inChannels: 3, widths: [4, 2], residualChannel: 1))
        #expect(r(Variable(Tensor(zeros: [2, 3, 7, 9]))).shape == [2, 1, 7, 9])
    }

    @Test func unet() {
        check("unet_default", UNet())
        check("unet_3d_small", UNet(UNetConfig(inChannels: 1, outChannels: 3, base: 4, depth: 2, spatialRank: 3)))
        let u = UNet(UNetConfig(inChannels: 1, outChannels: 2, base: 4, depth: 2, upMode: .upsampleConv))
        #expect(u(Variable(Tensor(zeros: [1, 1, 8, 12]))).shape == [1, 2, 8, 12])
    }

    @Test func wavenet() {
        check("wavenet_default", WaveNet())
        check("wavenet_2x4", WaveNet(WaveNetConfig(classes: 16, residualChannels: 8, skipChannels: 12, layers: 4, stacks: 2)))
        #expect(WaveNetConfig(layers: 10).receptiveField == 1024)
        #expect(WaveNetConfig(layers: 10, stacks: 3).receptiveField == 3070)
    }

    @Test func tdnn() {
        check("tdnn_waibel", TDNN(TDNNConfig(sumOverTime: false)))
        let t = TDNN()
        #expect(t(Variable(Tensor(zeros: [4, 16, 15]))).shape == [4, 3])
        #expect(t.frameScores(Variable(Tensor(zeros: [4, 16, 15]))).shape == [4, 3, 9])
        let deep = TDNN(TDNNConfig(channels: [16, 12, 8, 3], kernels: [3, 3, 3], dilations: [1, 2, 4]))
        #expect(deep.frameScores(Variable(Tensor(zeros: [1, 16, 20]))).shape == [1, 3, 20 - 14])
    }

    @Test func classicClassifiers() {
        check("lenet5", ConvNet(.lenet5()))
        for cfg in [ConvNetConfig.lenet5(), .jetCNN(), .extremeWeather(), .vgg(convsPerBlock: [1, 2], widths: [4, 8], inputSize: [16, 16], hidden: [8], batchNorm: true)] {
            #expect(cfg.parameterCount == ConvNet(cfg).parameterCount)
        }
        check("jetcnn", ConvNet(.jetCNN()))
        check("weathercnn", ConvNet(.extremeWeather()))
        check("maxout", MaxOutNet())
        check("conv_3_10_k5_pad2", Conv(ConvConfig(3, 10, kernel: 5, padding: .pad(2)), rng: &rngZero))
        check("alexnet_conv1", Conv(ConvConfig(3, 96, kernel: 11, stride: 4), rng: &rngZero))
    }

    @Test func bigClassifiers() throws {
        // Counted from the configs: building 60M / 138M weights takes a minute in a debug build.
        #expect(ConvNetConfig.alexnet().parameterCount == modelCounts["alexnet"]?.params)
        #expect(try ConvNet.check(.alexnet()) == [256, 6, 6])
        #expect(ConvNetConfig.vgg16().parameterCount == modelCounts["vgg16"]?.params)
        #expect(try ConvNet.check(.vgg16()) == [512, 7, 7])
        check("resnet34", ResNet())
    }
}

nonisolated(unsafe) var rngZero = SeededGenerator(seed: 0)
