// One optimiser step, alone or data-parallel. A global batch is a list of sample indices; every sample's randomness
// (crop, flip, noise) comes from its own generator seeded by (seed, step, position in the batch), so the batch is
// the same however it is split: N ranks each build their contiguous share, weight their loss by their share of the
// loss's elements, and sum gradients over the group (in a fixed order) before the optimiser step.
import Dispatch
import GridTensor
import GridAutograd
import GridNN

extension Trainer {
    /// Runs one step on the global batch `indices`; returns the batch's loss and whether any rank asked to stop.
    func step(_ data: BatchSource, indices: [Int]) throws -> (loss: Double, stop: Bool) {
        let mine = group.share(of: indices.count)
        let batch = Trainer.assemble(data, indices: indices, positions: mine, seed: options.seed, step: state.step)
        var l = loss(model(Variable(batch.input)), batch)
        var lossValue = Double(l.value.item)
        var stop = interrupt.pendingSignal != nil
        if group.size > 1 {
            let weight = lossWeight(batch)
            var sums = [weight, weight * lossValue, stop ? 1 : 0]
            try group.allReduceSum(&sums)
            guard sums[0] > 0 else { throw GridError("step \(state.step + 1): no valid target in the whole batch") }
            l = l * Float(weight / sums[0])
            lossValue = sums[1] / sums[0]
            stop = sums[2] > 0
        }
        optimizer.zeroGrad()
        l.backward()
        if group.size > 1 { try sumGradients() }
        if let c = options.clipNorm { optimizer.clipGradients(maxNorm: c) }
        optimizer.step()
        return (lossValue, stop)
    }

    /// Samples `positions` of the global batch, each drawn with its own generator.
    static func assemble(_ data: BatchSource, indices: [Int], positions: Range<Int>, seed: UInt64, step: Int) -> Batch {
        let parts = positions.map { p -> Batch in
            var rng = sampleGenerator(seed: seed, step: step, position: p)
            return data.batch([indices[p]], rng: &rng)
        }
        guard parts.count > 1 else { return parts[0] }
        let masks = parts.compactMap(\.mask), labels = parts.compactMap(\.labels)
        return Batch(input: Tensor.concatenate(parts.map(\.input), axis: 0),
                     target: Tensor.concatenate(parts.map(\.target), axis: 0),
                     mask: masks.count == parts.count ? Tensor.concatenate(masks, axis: 0) : nil,
                     labels: labels.count == parts.count ? labels.flatMap { $0 } : nil)
    }

    /// The generator of the sample at `position` of the global batch of step `step` (its crop, flip, noise).
    static func sampleGenerator(seed: UInt64, step: Int, position: Int) -> SeededGenerator {
        SeededGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(step + 1) &* 0xBF58_476D_1CE4_E5B9)
                        ^ (UInt64(position + 1) &* 0x94D0_49BB_1331_11EB))
    }

    /// The default loss weight: valid target points when the batch has a mask, else samples.
    public static func elementCount(_ batch: Batch) -> Double {
        if let m = batch.mask { return Double(m.sum().item) }
        return Double(batch.input.shape[0])
    }

    /// Every parameter's gradient summed over the group, as one buffer (one collective per step).
    private func sumGradients() throws {
        let params = optimizer.parameters
        var flat = [Float]()
        flat.reserveCapacity(params.reduce(0) { $0 + $1.value.count })
        for p in params {
            if let g = p.grad { flat += g.contiguous().scalars } else { flat += [Float](repeating: 0, count: p.value.count) }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        try group.allReduceSum(&flat)
        allReduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var offset = 0
        for p in params {
            let n = p.value.count
            p.grad = Tensor(shape: p.value.shape, scalars: Array(flat[offset..<(offset + n)]))
            offset += n
        }
    }
}
