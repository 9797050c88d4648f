// Every model kind through InferencePlan equals its eval-mode graph forward (no gradients) within rounding, and the
// plan really fused what it claims (batch norm folded, activations in the epilogue, concatenations in place).
import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

@Suite(.serialized) struct InferencePlanTests {
    /// Gives batch norms non-trivial statistics and affine parameters, then switches to eval.
    func settle(_ model: any Layer, input: [Int], seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for (name, p) in model.parameters where name.contains("bn") || name.hasSuffix("norm.weight") {
            p.value = Tensor.normal(p.value.shape, rng: &rng) * 0.3 + (name.hasSuffix("weight") ? 1 : 0)
        }
        model.train()
        GradMode.withNoGrad { for _ in 0..<2 { _ = model(Variable(Tensor.normal(input, rng: &rng) * 2 + 0.5)) } }
        model.eval()
    }

    /// max |plan - graph| over max |graph|, and the plan's steps.
    func compare(_ model: any Layer, input: [Int], seed: UInt64 = 3) -> (error: Float, steps: [String]) {
        settle(model, input: input, seed: seed)
        var rng = SeededGenerator(seed: seed + 1)
        let x = Tensor.normal(input, rng: &rng)
        let reference = GradMode.withNoGrad { model(Variable(x)).value }
        let plan = InferencePlan(model)
        let y = plan(x)
        #expect(y.shape == reference.shape)
        let a = y.scalars, b = reference.scalars
        let scale = max(b.map { abs($0) }.max() ?? 0, 1e-6)
        let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        // A second call reuses the arena: same result.
        #expect(plan(x).scalars == a)
        return (err / scale, plan.steps(for: input))
    }

    @Test func srcnnFusesActivations() {
        let r = compare(SRCNN(SRCNNConfig(inChannels: 2)), input: [3, 2, 20, 24])
        #expect(r.error < 1e-5)
        #expect(r.steps.filter { $0.hasPrefix("Conv+relu") }.count == 2 && r.steps.count == 3, "\(r.steps)")
        let res = compare(SRCNN(SRCNNConfig(inChannels: 3, widths: [8, 4], residualChannel: 1)), input: [2, 3, 9, 11])
        #expect(res.error < 1e-5)
    }

    @Test func unetFoldsBatchNormAndConcatenatesInPlace() {
        let r = compare(UNet(UNetConfig(inChannels: 2, outChannels: 1, base: 8, depth: 3)), input: [2, 2, 64, 64])
        #expect(r.error < 1e-4)
        #expect(!r.steps.contains { $0.hasPrefix("BatchNorm") || $0.hasPrefix("relu") }, "\(r.steps)")
        #expect(r.steps.contains { $0.hasPrefix("Concat") && $0.contains("(in place)") }, "\(r.steps)")
        #expect(r.steps.contains { $0.hasPrefix("Concat") && $0.contains("(copied)") }, "\(r.steps)")   // 16x16 (< 1024 points): copied
        let one = compare(UNet(UNetConfig(inChannels: 1, outChannels: 3, base: 4, depth: 2)), input: [1, 1, 16, 24])
        #expect(one.error < 1e-4)
    }

    @Test func unetVariants() {
        #expect(compare(UNet(UNetConfig(inChannels: 1, outChannels: 2, base: 4, depth: 2, upMode: .upsampleConv)), input: [2, 1, 8, 12]).error < 1e-4)
        #expect(compare(UNet(UNetConfig(inChannels: 2, outChannels: 1, base: 4, depth: 1, batchNorm: false)), input: [3, 2, 10, 6]).error < 1e-4)
        #expect(compare(UNet(UNetConfig(inChannels: 1, outChannels: 3, base: 4, depth: 2, spatialRank: 3)), input: [1, 1, 8, 8, 12]).error < 1e-4)
    }

    @Test func tdnnAndWaveNet() {
        #expect(compare(TDNN(TDNNConfig()), input: [64, 16, 15]).error < 1e-5)
        #expect(compare(TDNN(TDNNConfig(sumOverTime: false)), input: [5, 16, 30]).error < 1e-5)
        var rng = SeededGenerator(seed: 9)
        let n = 300
        var x = Tensor(zeros: [1, 256, n])
        x.withUnsafeMutableBufferPointer { p in for t in 0..<n { p[Int(rng.next() % 256) * n + t] = 1 } }
        let w = WaveNet(WaveNetConfig())
        w.eval()
        let reference = GradMode.withNoGrad { w(Variable(x)).value }
        #expect(InferencePlan(w)(x).scalars == reference.scalars)   // one graph step: the fused stack itself
    }

    @Test(arguments: [ModelKind.lenet5, .weathercnn, .jetcnn, .resnet34, .maxout])
    func classifiers(kind: ModelKind) {
        let cfg = ModelConfig(kind: kind, inputShape: kind == .resnet34 ? [3, 32, 32] : nil)
        let r = compare(cfg.build(), input: [2] + cfg.resolvedInputShape)
        #expect(r.error < 1e-4, "\(kind): \(r.steps)")
    }
}
