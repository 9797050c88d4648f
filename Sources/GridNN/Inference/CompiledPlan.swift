// A plan fixed to one input shape: where every value lives (one arena, buffers reused once their last reader has
// run; concatenations written in place by their producers) and the steps that run on it, allocation-free.
import Foundation
import GridTensor
import GridAutograd

final class CompiledPlan {
    /// Where a value's elements are: the plan input, the result tensor, an arena slot, or channels of another value.
    enum Place { case input, result, arena(offset: Int), inside(PlanValue, channelOffset: Int) }

    let inputShape: [Int], outputShape: [Int]
    let steps: [PlanStep]
    let input: PlanValue, output: PlanValue
    private let shapes: [[Int]]
    private var places: [PlanValue: Place] = [:]
    private var arena: UnsafeMutableRawPointer?
    /// Floats in the arena (the planned peak of intermediate memory).
    private(set) var arenaFloats = 0
    /// A concat input whose producer writes straight into the concat's output.
    private var writesInPlace = Set<PlanValue>()

    /// Per-image calls into strided buffers are only worth it for planes this large; smaller concats are copied.
    static let minInPlacePlane = 1024

    init(builder b: PlanBuilder, output: PlanValue) {
        var steps = b.steps
        PlanOptimizer.optimise(&steps, output: output, builder: b)
        for s in steps where s.kind == .conv { s.prepared = PlanKernels.prepare(s.geometry!, weight: s.weight!) }   // after folding
        for s in steps { if let g = s.geometry { s.batchedGeometry = g.cGeometry; s.imageGeometry = PlanKernels.cGeometry(g, batch: 1) } }
        self.steps = steps
        self.input = b.input
        self.output = output
        shapes = b.shapes
        inputShape = b.shape(b.input)
        outputShape = b.shape(output)
        planConcats()
        allocate()
        resolved = steps.map { s in (s.inputs.map { resolve($0) }, resolve(s.output)) }
    }

    /// Every step's layouts relative to the run's three bases, worked out once (a call allocates nothing per step).
    private var resolved: [(inputs: [Relative], output: Relative)] = []

    /// A layout before the run's pointers are known: which base, and where from it.
    struct Relative {
        enum Base { case input, result, arena }
        let base: Base, offset: Int, images: Int, channels: Int, plane: Int, imageStride: Int
        func layout(_ input: UnsafeMutablePointer<Float>, _ result: UnsafeMutablePointer<Float>, _ arena: UnsafeMutablePointer<Float>?) -> Layout {
            let p: UnsafeMutablePointer<Float>
            switch base {
            case .input: p = input
            case .result: p = result
            case .arena: p = arena!
            }
            return Layout(base: p + offset, images: images, channels: channels, plane: plane, imageStride: imageStride)
        }
    }

    deinit { arena?.deallocate() }

    // MARK: placement

    private func planConcats() {
        var producer = [PlanValue: PlanStep](), concatUses = [PlanValue: Int]()
        for s in steps {
            producer[s.output] = s
            if s.kind == .concat { for v in s.inputs { concatUses[v, default: 0] += 1 } }
        }
        for s in steps where s.kind == .concat {
            let plane = shapes[s.output.id].dropFirst(2).reduce(1, *)
            guard shapes[s.output.id][0] == 1 || plane >= Self.minInPlacePlane else { continue }
            var offset = 0
            for v in s.inputs {
                defer { offset += shapes[v.id][1] }
                guard v != input, v != output, concatUses[v] == 1, let p = producer[v], p.kind != .graph, p.kind != .concat,
                      places[v] == nil else { continue }
                places[v] = .inside(s.output, channelOffset: offset)
                writesInPlace.insert(v)
            }
        }
    }

    /// Greedy reuse: a slot freed after a value's last reader goes to the next value that fits (best fit).
    private func allocate() {
        places[input] = .input
        if output != input { places[output] = .result }
        var first = [PlanValue: Int](), last = [PlanValue: Int]()
        for (i, s) in steps.enumerated() {
            first[s.output] = first[s.output] ?? i
            for v in s.inputs { last[v] = i }
        }
        // A value written inside another keeps that one alive over its own life.
        func root(_ v: PlanValue) -> PlanValue {
            if case let .inside(p, _) = places[v] { return root(p) }
            return v
        }
        var start = [PlanValue: Int](), end = [PlanValue: Int]()
        for v in Set(first.keys).union(last.keys) {
            let r = root(v)
            start[r] = min(start[r] ?? Int.max, first[v] ?? 0)
            end[r] = max(end[r] ?? -1, last[v] ?? first[v] ?? 0)
        }
        var slots = [Int](), free = [Int](), slotOf = [PlanValue: Int]()
        let order = start.keys.filter { places[$0] == nil }.sorted { (start[$0]!, $0.id) < (start[$1]!, $1.id) }
        var live = [(end: Int, slot: Int)]()
        for v in order {
            let t = start[v]!
            live.removeAll { item in
                if item.end < t { free.append(item.slot); return true }
                return false
            }
            let need = (shapes[v.id].reduce(1, *) + 15) & ~15
            let fit = free.filter { slots[$0] >= need }.min { slots[$0] < slots[$1] } ?? free.max { slots[$0] < slots[$1] }
            let slot: Int
            if let fit { slot = fit; free.removeAll { $0 == fit }; slots[slot] = max(slots[slot], need) } else { slot = slots.count; slots.append(need) }
            slotOf[v] = slot
            live.append((end[v]!, slot))
        }
        var offsets = [Int](), total = 0
        for size in slots { offsets.append(total); total += size }
        for (v, s) in slotOf { places[v] = .arena(offset: offsets[s]) }
        arenaFloats = total
        arena = total > 0 ? UnsafeMutableRawPointer.allocate(byteCount: total * 4, alignment: 64) : nil
    }

    // MARK: running

    /// Elements of one value: image n's channel c starts at base + n * imageStride + c * plane.
    struct Layout {
        let base: UnsafeMutablePointer<Float>
        let images: Int, channels: Int, plane: Int, imageStride: Int
        var contiguous: Bool { imageStride == channels * plane }
        func image(_ n: Int) -> UnsafeMutablePointer<Float> { base + n * imageStride }
    }

    private func resolve(_ v: PlanValue) -> Relative {
        let full = shapes[v.id]
        let n = full.first ?? 1, c = full.count > 1 ? full[1] : 1   // [N, C] of lower-rank values (features, scores)
        let plane = full.dropFirst(2).reduce(1, *)
        switch places[v]! {
        case .input: return Relative(base: .input, offset: 0, images: n, channels: c, plane: plane, imageStride: c * plane)
        case .result: return Relative(base: .result, offset: 0, images: n, channels: c, plane: plane, imageStride: c * plane)
        case let .arena(offset): return Relative(base: .arena, offset: offset, images: n, channels: c, plane: plane, imageStride: c * plane)
        case let .inside(parent, c0):
            let outer = resolve(parent)
            return Relative(base: outer.base, offset: outer.offset + c0 * plane, images: n, channels: c, plane: plane,
                            imageStride: outer.imageStride)
        }
    }

    /// Runs every step on x (shape `inputShape`, contiguous) and returns the output tensor.
    func run(_ x: Tensor) -> Tensor {
        precondition(x.shape == inputShape, "inference plan for \(shapeDescription(inputShape)) got \(shapeDescription(x.shape))")
        if steps.count == 1, let s = steps.first, s.kind == .graph, s.inputs == [input], s.output == output, let layer = s.layer {
            return evalForward(layer, x)   // the whole model is one graph step (WaveNet's fused stack): x itself, no copies
        }
        let xc = x.contiguous()
        var result = Tensor(uninitializedShape: outputShape)
        xc.withUnsafeBufferPointer { px in
            result.withUnsafeMutableBufferPointer { pr in
                let xp = UnsafeMutablePointer(mutating: px.baseAddress!), out = pr.baseAddress!
                if output == input { out.update(from: xp, count: pr.count); return }
                let a = arena?.assumingMemoryBound(to: Float.self)
                for (s, r) in zip(steps, resolved) {
                    let y = r.output.layout(xp, out, a)
                    if s.kind == .concat {   // part by part, skipping the parts their producers wrote in place
                        var c0 = 0
                        for part in r.inputs {
                            PlanExecution.copyChannels(part.layout(xp, out, a), into: y, at: c0)
                            c0 += part.channels
                        }
                        continue
                    }
                    let x = r.inputs[0].layout(xp, out, a)
                    PlanExecution.run(s, x, r.inputs.count > 1 ? r.inputs[1].layout(xp, out, a) : x, output: y)
                }
            }
        }
        return result
    }

    /// One line per step after optimisation, for summaries and tests.
    var stepDescriptions: [String] {
        steps.map { s in
            var d = s.label
            if s.activation != .none && (s.kind == .conv || s.kind == .convTranspose) { d += "+\(s.activation)" }
            if s.kind == .concat { d += s.inputs.allSatisfy { writesInPlace.contains($0) } ? " (in place)" : " (copied)" }
            return d + " -> " + shapeDescription(shapes[s.output.id])
        }
    }
}
