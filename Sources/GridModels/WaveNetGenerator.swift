// Fast autoregressive WaveNet sampling (Paine et al. 2016, "Fast Wavenet"): each layer keeps a queue of its last
// (kernel - 1) * dilation inputs, so one new sample costs O(layers * channels^2) instead of a pass over the whole
// receptive field. Works on plain Tensors (no graph). Weights are copied at creation: make a new generator after
// training further.
import Foundation
import GridTensor
import GridAutograd
import GridNN

/// Fast autoregressive sampling from a ``WaveNet`` (Paine et al. 2016): each layer keeps a queue of its last inputs,
/// so one new sample costs O(layers x channels²) instead of a pass over the receptive field. Works on plain tensors
/// (no graph); the weights are copied at creation, so make a new generator after training further. Holds per-batch
/// state: one generator per thread.
public final class WaveNetGenerator {
    /// A 1x1 conv (or one tap of a wider one) as a dense map: y [N, out] = x [N, in] W^T + b.
    struct Dense {
        let w: Tensor, b: Tensor?
        init(_ conv: Conv, tap: Int = 0, withBias: Bool = true) {
            let s = conv.weight.shape
            w = conv.weight.value.sliced(axis: 2, tap..<(tap + 1)).contiguous().reshaped([s[0], s[1]])
            b = withBias ? conv.bias?.value.reshaped([1, s[0]]) : nil
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            let y = Tensor.matmul(x, w, transposeB: true)
            return b.map { y + $0 } ?? y
        }
    }

    struct Layer {
        let taps: [Dense]        // filter taps, oldest input first; taps[k-1] carries the bias
        let gateTaps: [Dense]
        let condFilt: Dense?, condGate: Dense?
        let res: Dense, skip: Dense
        let dilation: Int
        var history: [Tensor]    // ring of the last (k - 1) * dilation inputs
        var pos = 0
    }

    /// The configuration of the model it was made from.
    public let config: WaveNetConfig
    /// The number of sequences generated side by side.
    public let batch: Int
    let input: Dense, out1: Dense, out2: Dense
    var layers: [Layer]

    /// A generator for `batch` sequences with `model`'s current weights, queues cleared.
    public init(_ model: WaveNet, batch: Int = 1) {
        let config = model.config
        self.config = config
        self.batch = batch
        let k = config.kernelSize, res = config.residualChannels
        input = Dense(model.inp); out1 = Dense(model.o1); out2 = Dense(model.o2)
        layers = (0..<model.filt.count).map { i in
            let d = config.dilations[i]
            // Only the last tap adds the conv's bias, so the taps sum to the full convolution.
            let taps = (0..<k).map { Dense(model.filt[i], tap: $0, withBias: $0 == k - 1) }
            let gates = (0..<k).map { Dense(model.gate[i], tap: $0, withBias: $0 == k - 1) }
            return Layer(taps: taps, gateTaps: gates, condFilt: model.condFilt.isEmpty ? nil : Dense(model.condFilt[i]),
                         condGate: model.condGate.isEmpty ? nil : Dense(model.condGate[i]), res: Dense(model.resc[i]),
                         skip: Dense(model.skipc[i]), dilation: d,
                         history: Array(repeating: Tensor(zeros: [batch, res]), count: (k - 1) * d))
        }
    }

    /// Clears the queues (zeros = the causal padding the full pass sees before t = 0).
    public func reset() {
        for i in layers.indices {
            layers[i].history = Array(repeating: Tensor(zeros: [batch, config.residualChannels]), count: layers[i].history.count)
            layers[i].pos = 0
        }
    }

    /// Feeds one time step x [N, classes] (one-hot or soft) and returns the logits [N, classes] for that step,
    /// equal to the full forward pass's logits at the same position. condition: [N, conditionChannels].
    public func step(_ x: Tensor, condition: Tensor? = nil) -> Tensor {
        precondition(x.shape == [batch, config.classes], "generator step expects [\(batch), \(config.classes)], got \(shapeDescription(x.shape))")
        let k = config.kernelSize
        var h = input(x)
        var skips: Tensor?
        for i in layers.indices {
            let L = layers[i].history.count, d = layers[i].dilation, pos = layers[i].pos
            // Tap j reads the input (k - 1 - j) * d steps back; the last tap is the current input.
            var f = layers[i].taps[k - 1](h), g = layers[i].gateTaps[k - 1](h)
            for j in 0..<(k - 1) {
                let past = layers[i].history[(pos + L - (k - 1 - j) * d) % L]
                f = f + layers[i].taps[j](past); g = g + layers[i].gateTaps[j](past)
            }
            if let c = condition, let cf = layers[i].condFilt, let cg = layers[i].condGate { f = f + cf(c); g = g + cg(c) }
            if L > 0 { layers[i].history[pos] = h; layers[i].pos = (pos + 1) % L }
            let z = Tensor.zip(f.tanh(), g.sigmoid(), *)
            let s = layers[i].skip(z)
            skips = skips.map { $0 + s } ?? s
            h = h + layers[i].res(z)
        }
        return out2(out1(skips!.relu()).relu())
    }

    /// Samples `count` classes autoregressively (batch 1) from softmax(logits / temperature), starting from `first`.
    public func generate(count: Int, first: Int? = nil, temperature: Float = 1, seed: UInt64 = 0,
                         condition: ((Int) -> Tensor)? = nil) -> [Int] {
        precondition(batch == 1, "generate samples one sequence; use step for batches")
        var rng = SeededGenerator(seed: seed)
        var current = first ?? config.classes / 2
        var out = [Int]()
        for t in 0..<count {
            var x = [Float](repeating: 0, count: config.classes); x[current] = 1
            let logits = step(Tensor(shape: [1, config.classes], scalars: x), condition: condition?(t)).scalars
            let m = logits.max()!
            let p = logits.map { Foundation.exp(($0 - m) / temperature) }
            var u = rng.nextUniform() * p.reduce(0, +), next = p.count - 1
            for (i, pi) in p.enumerated() { u -= pi; if u < 0 { next = i; break } }
            out.append(next); current = next
        }
        return out
    }
}
