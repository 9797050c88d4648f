import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

@Suite(.serialized) struct WaveNetGeneratorTests {
    /// The cached generator fed one sample at a time gives the full pass's logits at every step.
    func matchesFullPass(_ config: WaveNetConfig, steps: Int = 24, conditioned: Bool = false) {
        let model = WaveNet(config, seed: 4)
        var rng = SeededGenerator(seed: 8)
        let seq = (0..<steps).map { _ in Int(rng.next() % UInt64(config.classes)) }
        let x = oneHot(seq, count: config.classes)
        let cond = conditioned ? Tensor.normal([1, config.conditionChannels, steps], rng: &rng) : nil
        let full = model.forward(Variable(x), condition: cond.map { Variable($0) }).value   // [1, classes, T]
        let gen = WaveNetGenerator(model)
        var worst: Float = 0
        for t in 0..<steps {
            let xt = x.sliced(axis: 2, t..<(t + 1)).contiguous().reshaped([1, config.classes])
            let ct = cond.map { $0.sliced(axis: 2, t..<(t + 1)).contiguous().reshaped([1, config.conditionChannels]) }
            let logits = gen.step(xt, condition: ct).scalars
            let expected = full.sliced(axis: 2, t..<(t + 1)).contiguous().scalars
            worst = max(worst, zip(logits, expected).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-4, "largest logit difference \(worst)")
        // After a reset the generator starts over.
        gen.reset()
        let again = gen.step(x.sliced(axis: 2, 0..<1).contiguous().reshaped([1, config.classes]), condition: cond.map {
            $0.sliced(axis: 2, 0..<1).contiguous().reshaped([1, config.conditionChannels]) }).scalars
        #expect(zip(again, full.sliced(axis: 2, 0..<1).contiguous().scalars).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func cachedGeneratorEqualsFullPass() {
        matchesFullPass(WaveNetConfig(classes: 8, residualChannels: 4, skipChannels: 6, layers: 3, stacks: 2))
    }
    @Test func cachedGeneratorEqualsFullPassWithWiderKernelAndConditioning() {
        matchesFullPass(WaveNetConfig(classes: 6, residualChannels: 3, skipChannels: 5, layers: 3, stacks: 1, kernelSize: 3,
                                      conditionChannels: 2), conditioned: true)
    }
    /// Without gradients the layers run as one fused kernel over tiles of 512 steps; it must give the graph's
    /// forward pass (several tiles, dilations reaching across tile edges, batch 2).
    @Test func fusedInferenceEqualsGraphForward() {
        let config = WaveNetConfig(classes: 16, residualChannels: 8, skipChannels: 12, layers: 5, stacks: 2)
        let model = WaveNet(config, seed: 5)
        var rng = SeededGenerator(seed: 9)
        let steps = 1100
        let seqs = (0..<2).map { _ in (0..<steps).map { _ in Int(rng.next() % 16) } }
        let x = Tensor.concatenate(seqs.map { oneHot($0, count: 16) }, axis: 0)
        let graph = model(Variable(x)).value
        let fused = GradMode.withNoGrad { model(Variable(x)).value }
        #expect(fused.shape == graph.shape)
        let scale = graph.scalars.map { abs($0) }.max()!
        let worst = zip(fused.scalars, graph.scalars).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * max(scale, 1), "largest difference \(worst) (scale \(scale))")
    }

    @Test func generateIsSeeded() {
        let gen = WaveNetGenerator(WaveNet(WaveNetConfig(classes: 8, residualChannels: 4, skipChannels: 4, layers: 2)))
        let a = gen.generate(count: 10, seed: 3)
        gen.reset()
        #expect(gen.generate(count: 10, seed: 3) == a)
        #expect(a.allSatisfy { (0..<8).contains($0) })
    }
}
