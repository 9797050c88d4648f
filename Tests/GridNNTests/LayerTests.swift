import Testing
import Foundation
import GridTensor
import GridAutograd
@testable import GridNN

/// A small model with nesting, arrays and buffers, for the naming tests.
final class TwoBlocks: Module {
    let blocks: [Sequential]
    let head: Linear
    init(rng: inout SeededGenerator) {
        blocks = (0..<2).map { i in
            Sequential(Conv(ConvConfig(i == 0 ? 1 : 2, 2, kernel: 3, padding: .same), rng: &rng), BatchNorm(2), Activation.relu)
        }
        head = Linear(2, 3, rng: &rng)
    }
    override func forward(_ x: Variable) -> Variable { head(GlobalAvgPool()(blocks[1](blocks[0](x)))) }
}

/// Checks d sum(f(x) * r) / d p for every parameter of a layer against central differences.
func worstParameterGradError(_ layer: any Layer, input x: Tensor, eps: Float = 1e-2) -> Double {
    var rng = SeededGenerator(seed: 3)
    let r = Tensor.normal(layer(Variable(x)).shape, rng: &rng)
    recordedBackward(must: layer.parameters.map(\.param)) { (layer(Variable(x)) * Variable(r)).sum() }
    func objective() -> Double {
        let y = layer(Variable(x)).value.scalars
        return zip(y, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    var worst = 0.0
    for (_, p) in layer.parameters {
        let analytic = p.grad!.scalars
        let base = p.value.scalars
        for j in 0..<base.count {
            var v = base; v[j] += eps; p.value = Tensor(shape: p.value.shape, scalars: v)
            let fp = objective()
            v[j] = base[j] - eps; p.value = Tensor(shape: p.value.shape, scalars: v)
            let fm = objective()
            p.value = Tensor(shape: p.value.shape, scalars: base)
            let numeric = (fp - fm) / Double(2 * eps)
            worst = Swift.max(worst, Swift.abs(numeric - Double(analytic[j])) / Swift.max(1, Swift.abs(numeric)))
        }
    }
    return worst
}

@Suite(.serialized) struct LayerTests {
    @Test func hierarchicalNamesBuffersAndModes() {
        var rng = SeededGenerator(seed: 1)
        let m = TwoBlocks(rng: &rng)
        #expect(m.parameters.map(\.name) == ["blocks.0.0.weight", "blocks.0.0.bias", "blocks.0.1.weight", "blocks.0.1.bias",
                                            "blocks.1.0.weight", "blocks.1.0.bias", "blocks.1.1.weight", "blocks.1.1.bias",
                                            "head.weight", "head.bias"])
        #expect(m.buffers.map(\.name) == ["blocks.0.1.runningMean", "blocks.0.1.runningVar", "blocks.1.1.runningMean", "blocks.1.1.runningVar"])
        #expect(m.parameterCount == (18 + 2 + 4) + (36 + 2 + 4) + 9)
        m.eval()
        #expect(m.namedModules.allSatisfy { !$0.layer.isTraining })
        #expect(m.namedModules.map(\.name).contains("blocks.1.2"))
        m.isTraining = true
        #expect(m.namedModules.allSatisfy { $0.layer.isTraining })
    }

    @Test func stateDictRoundTrip() throws {
        var rng = SeededGenerator(seed: 1)
        let a = TwoBlocks(rng: &rng), b = TwoBlocks(rng: &rng)
        _ = a(Variable(Tensor.normal([2, 1, 5, 5], rng: &rng)))   // moves the running statistics
        try b.load(stateDict: a.stateDict())
        a.eval(); b.eval()
        let x = Variable(Tensor.normal([1, 1, 5, 5], rng: &rng))
        #expect(a(x).value.scalars == b(x).value.scalars)
        var bad = a.stateDict(); bad["head.weight"] = Tensor(zeros: [1])
        #expect(throws: StateError.self) { try b.load(stateDict: bad) }
        var missing = a.stateDict(); missing["head.bias"] = nil
        #expect(throws: StateError.self) { try b.load(stateDict: missing) }
        try b.load(stateDict: missing, strict: false)
    }

    @Test func frozenParametersDoNotChange() {
        var rng = SeededGenerator(seed: 2)
        let m = TwoBlocks(rng: &rng)
        m.freeze(prefixes: ["blocks.0."])
        let frozen = m.parameters.filter { $0.name.hasPrefix("blocks.0.") }.map { $0.param.value.scalars }
        let before = m.head.weight.value.scalars
        let opt = Adam(m.parameters, learningRate: 0.1)
        for _ in 0..<3 {
            let x = Variable(Tensor.normal([2, 1, 4, 4], rng: &rng))
            recordedBackward(must: [m.head.weight]) { Loss.mse(m(x), Variable(Tensor(ones: [2, 3]))) }
            opt.step()
        }
        #expect(m.parameters.filter { $0.name.hasPrefix("blocks.0.") }.map { $0.param.value.scalars } == frozen)
        #expect(m.head.weight.value.scalars != before)
        #expect(m.trainableParameterCount == m.parameterCount - 24)
        m.unfreeze()
        #expect(m.trainableParameterCount == m.parameterCount)
    }

    @Test func workedShapesAndCounts() throws {
        var rng = SeededGenerator(seed: 0)
        // 32x32x3, 10 filters 5x5, padding 2 -> 32x32x10 with 5*5*3*10 + 10 = 760 parameters.
        let c = Conv(ConvConfig(3, 10, kernel: 5, padding: .pad(2)), rng: &rng)
        #expect(c.parameterCount == 760)
        #expect(c(Variable(Tensor(zeros: [1, 3, 32, 32]))).shape == [1, 10, 32, 32])
        // AlexNet conv1: 96 filters 11x11x3, stride 4 on 227 -> 55x55, 34,944 parameters.
        let a = ConvConfig(3, 96, kernel: 11, stride: 4)
        #expect(a.parameterCount == 34_944)
        #expect(try a.outputSize([227, 227]) == [55, 55])
        #expect(throws: ShapeError.self) { try a.outputSize([224, 224]) }   // (224 - 11)/4 + 1 is not an integer
        let t = ConvTranspose(ConvTransposeConfig(4, 2, kernel: 2, stride: 2), rng: &rng)
        #expect(t(Variable(Tensor(zeros: [1, 4, 3, 5]))).shape == [1, 2, 6, 10])
        let c3 = Conv(ConvConfig(2, 3, kernel: 3, rank: 3, padding: .same), rng: &rng)
        #expect(c3(Variable(Tensor(zeros: [1, 2, 4, 5, 6]))).shape == [1, 3, 4, 5, 6])
        let c1 = Conv(ConvConfig(2, 3, kernel: 2, rank: 1, padding: .causal, dilation: 4), rng: &rng)
        #expect(c1(Variable(Tensor(zeros: [1, 2, 9]))).shape == [1, 3, 9])
        #expect(MaxPool(3, stride: 2)(Variable(Tensor(zeros: [1, 1, 55, 55]))).shape == [1, 1, 27, 27])
        #expect(AvgPool(2)(Variable(Tensor(zeros: [1, 1, 4, 6, 8]))).shape == [1, 1, 2, 3, 4])
        #expect(Upsample(scale: 2)(Variable(Tensor(zeros: [1, 1, 3]))).shape == [1, 1, 6])
        #expect(Flatten()(Variable(Tensor(zeros: [2, 3, 4, 5]))).shape == [2, 60])
        let mo = MaxOut(6, 4, pieces: 3, rng: &rng)
        #expect(mo(Variable(Tensor(zeros: [5, 6]))).shape == [5, 4])
        #expect(mo.parameterCount == 6 * 12 + 12)
        let cat = Concat([Identity(), Activation.relu])
        #expect(cat(Variable(Tensor(zeros: [1, 2, 3]))).shape == [1, 4, 3])
    }

    @Test func initializerScales() {
        var rng = SeededGenerator(seed: 5)
        func std(_ t: Tensor) -> Float { t.variance().item.squareRoot() }
        let he = Initializer.kaimingNormal().make([64, 32, 3, 3], rng: &rng)
        #expect(Swift.abs(std(he) - (2.0 / 288).squareRoot()) < 0.004)
        let xu = Initializer.xavierUniform().make([100, 200], rng: &rng)
        #expect(xu.max().item <= (6.0 / 300).squareRoot() && std(xu) > 0.08)
        let pt = Initializer.pytorchDefault.make([10, 25], rng: &rng)
        #expect(pt.abs().max().item <= 0.2)
        var r1 = SeededGenerator(seed: 9), r2 = SeededGenerator(seed: 9)
        #expect(Conv(ConvConfig(2, 3, kernel: 3), rng: &r1).weight.value.scalars == Conv(ConvConfig(2, 3, kernel: 3), rng: &r2).weight.value.scalars)
    }

    @Test func dropoutIsSeededAndOffInEval() {
        let x = Variable(Tensor(ones: [2, 3, 4, 4]))
        let a = Dropout(0.5, seed: 3), b = Dropout(0.5, seed: 3)
        #expect(a(x).value.scalars == b(x).value.scalars)
        let s = Dropout(0.5, spatial: true, seed: 4)(x).value
        let perChannel = s.reshaped([6, 16]).max(axes: [1]).scalars
        #expect(s.reshaped([6, 16]).min(axes: [1]).scalars == perChannel)   // whole channels kept or dropped
        a.eval()
        #expect(a(x).value.scalars == x.value.scalars)
    }

    @Test func gradientsOfConvBatchNormDenseStack() {
        var rng = SeededGenerator(seed: 11)
        let net = Sequential(Conv(ConvConfig(2, 3, kernel: 3, padding: .pad(1)), rng: &rng), BatchNorm(3), Activation(.tanh),
                             Conv(ConvConfig(3, 2, kernel: 2, stride: 2), rng: &rng), Flatten(), Linear(8, 3, rng: &rng),
                             PReLU(channels: 3), MaxOut(3, 2, pieces: 2, rng: &rng))
        let x = Tensor.normal([2, 2, 4, 4], rng: &rng)
        #expect(worstParameterGradError(net, input: x) < 2e-2)
        let inputCheck = GradCheck.worst(inputs: [x]) { v in net(v[0]) }
        #expect(inputCheck.error < 2e-2, "\(inputCheck)")
        // Linear's fused op against the definition, with every operand checked.
        let lin = GradCheck.worst(inputs: [Tensor.normal([3, 4], rng: &rng), Tensor.normal([2, 4], rng: &rng), Tensor.normal([2], rng: &rng)]) {
            Linear.apply($0[0], weight: $0[1], bias: $0[2])
        }
        #expect(lin.error < 1e-2, "\(lin)")
        let r = GradCheck.worst(inputs: [Tensor.normal([1, 2, 4, 4], rng: &rng)]) { v in
            Residual(Activation(.tanh))(v[0]) + Upsample(scale: 2, mode: .linear)(AvgPool(2)(v[0]))
        }
        #expect(r.error < 1e-2, "\(r)")
    }

    @Test func batchNormEvalUsesRunningStatistics() {
        let bn = BatchNorm(2)
        let x = Variable(Tensor(shape: [2, 2, 1, 1], scalars: [1, 10, 3, 20]))
        _ = bn(x)
        // mean [2, 15], unbiased var [2, 50]; running = 0.9 * start + 0.1 * batch.
        #expect(zip(bn.runningMean.value.scalars, [0.2, 1.5]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        #expect(zip(bn.runningVar.value.scalars, [1.1, 5.9]).allSatisfy { Swift.abs($0 - $1) < 1e-4 })
        bn.eval()
        let y = bn(Variable(Tensor(shape: [1, 2, 1, 1], scalars: [0.2, 1.5]))).value.scalars
        #expect(y.allSatisfy { Swift.abs($0) < 1e-5 })
    }
}
