// Rewrites a lowered plan before it is compiled: batch norms folded into the convolution before them, activations
// moved into the convolution's epilogue, and steps whose results nobody reads dropped.
import GridTensor

enum PlanOptimizer {
    /// Optimises `steps` in place; `output` is the value the plan returns.
    static func optimise(_ steps: inout [PlanStep], output: PlanValue) {
        var changed = true
        while changed {
            changed = foldIntoProducers(&steps, output: output)
            changed = dropDead(&steps, output: output) || changed
        }
    }

    static func uses(_ steps: [PlanStep], output: PlanValue) -> [PlanValue: Int] {
        var n = [PlanValue: Int]()
        for s in steps { for v in s.inputs { n[v, default: 0] += 1 } }
        n[output, default: 0] += 1
        return n
    }

    /// A batch norm or activation whose input comes from a convolution that nothing else reads is folded into it.
    private static func foldIntoProducers(_ steps: inout [PlanStep], output: PlanValue) -> Bool {
        let n = uses(steps, output: output)
        var producer = [PlanValue: PlanStep]()
        for s in steps { producer[s.output] = s }
        var removed = Set<ObjectIdentifier>()
        for s in steps where s.kind == .batchNorm || s.kind == .activation {
            guard let p = producer[s.inputs[0]], p.kind == .conv || p.kind == .convTranspose, p.activation == .none,
                  n[s.inputs[0]] == 1, !removed.contains(ObjectIdentifier(p)) else { continue }
            if s.kind == .batchNorm {
                guard let scale = s.scale, let shift = s.shift else { continue }
                foldAffine(into: p, scale: scale.scalars, shift: shift.scalars)
            } else {
                p.activation = s.activation
            }
            producer[s.output] = p
            p.output = s.output
            removed.insert(ObjectIdentifier(s))
        }
        steps.removeAll { removed.contains(ObjectIdentifier($0)) }
        return !removed.isEmpty
    }

    /// weight'[o] = weight[o] * scale[o], bias'[o] = bias[o] * scale[o] + shift[o], o an output channel.
    private static func foldAffine(into p: PlanStep, scale: [Float], shift: [Float]) {
        guard let g = p.geometry, var w = p.weight?.contiguous() else { return }
        let k = g.kernel.reduce(1, *), groups = g.groups
        w.withUnsafeMutableBufferPointer { pw in
            if p.kind == .conv {   // [Cout, Cin/groups, k...]: output channel o owns one contiguous row
                let row = pw.count / g.outChannels
                for o in 0..<g.outChannels { for i in 0..<row { pw[o * row + i] *= scale[o] } }
            } else {               // [Cin_T, Cout_T/groups, k...]: output channel grp * coutG + j is column j of the group
                let cinT = g.outChannels, coutT = g.inChannels, cinG = cinT / groups, coutG = coutT / groups
                for ci in 0..<cinT {
                    let grp = ci / cinG
                    for j in 0..<coutG {
                        let s = scale[grp * coutG + j], base = (ci * coutG + j) * k
                        for i in 0..<k { pw[base + i] *= s }
                    }
                }
            }
        }
        let outChannels = scale.count
        let b = p.bias?.scalars ?? [Float](repeating: 0, count: outChannels)
        p.weight = w
        p.bias = Tensor(shape: [outChannels], scalars: (0..<outChannels).map { b[$0] * scale[$0] + shift[$0] })
    }

    private static func dropDead(_ steps: inout [PlanStep], output: PlanValue) -> Bool {
        let n = uses(steps, output: output)
        let before = steps.count
        steps.removeAll { n[$0.output, default: 0] == 0 }
        return steps.count != before
    }
}
