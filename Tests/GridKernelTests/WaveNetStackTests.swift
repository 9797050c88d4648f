import CGridKernels
import Testing

extension GridKernelTests {
    /// One sequence on 1 thread runs the whole stack tile by tile in time order; on 2 threads (and > 1e7 FLOP) layer
    /// by layer with the tiles shared out. Same operations on every value, so the same bits; and the skip sum is
    /// overwritten, not accumulated. (The result is checked against the graph's forward in GridModelsTests.)
    @Test("fused WaveNet stack: whole-stack and layer-by-layer forms bitwise equal")
    func waveNetStackFormsAgree() {
        let c = 8, s = 12, t = 2100
        let dilations: [Int64] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        var r = Rand(77)
        let perLayer = 4 * c * c + 2 * c + s * c + s + c * c + c
        let params = r.array(perLayer * dilations.count).map { $0 * 0.5 }, h = r.array(c * t)
        func run(_ threads: Int32) -> [Float] {
            var out = [Float](repeating: .nan, count: s * t)
            withThreads(threads) {
                gk_wavenet_stack_forward(1, Int64(t), Int64(c), Int64(s), Int64(dilations.count), dilations, params, h, &out)
            }
            return out
        }
        let stack = run(1), layerwise = run(2)
        #expect(!stack.contains { $0.isNaN })
        expectSame(stack, layerwise, "whole stack vs layer by layer")
    }
}
