// Reductions over any set of axes. The reduced axes are moved last and made contiguous, so each output element
// reduces one contiguous run; sums accumulate in Double so large grids do not lose precision.

extension Tensor {
    /// Moves `axes` to the end; returns the contiguous tensor, the kept shape, and the reduced run length.
    private func reductionLayout(_ axes: [Int]) -> (Tensor, kept: [Int], run: Int, keepDimsShape: [Int]) {
        let ax = Set(axes.map { normalizeAxis($0, rank: rank) })
        let keptAxes = (0..<rank).filter { !ax.contains($0) }
        let order = keptAxes + ax.sorted()
        let moved = permuted(order).contiguous()
        let kept = keptAxes.map { shape[$0] }
        let run = ax.reduce(1) { $0 * shape[$1] }
        let keepDims = (0..<rank).map { ax.contains($0) ? 1 : shape[$0] }
        return (moved, kept, run, keepDims)
    }

    private func reduce(_ axes: [Int]?, keepDims: Bool, _ body: (UnsafeBufferPointer<Float>) -> Float) -> Tensor {
        let (moved, kept, run, kd) = reductionLayout(axes ?? Array(0..<rank))
        var out = Tensor(uninitializedShape: keepDims ? kd : kept)
        moved.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for o in 0..<dst.count {
                    dst[o] = body(UnsafeBufferPointer(rebasing: src[(o * run)..<((o + 1) * run)]))
                }
            }
        }
        return out
    }

    /// Sum over axes (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { run in
            var s = 0.0
            for v in run { s += Double(v) }
            return Float(s)
        }
    }

    /// Mean over `axes` (all when nil; negative axes count from the end), accumulated in Double; `keepDims` keeps the
    /// reduced axes with length 1 so that the result broadcasts against the input.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let n = (axes ?? Array(0..<rank)).reduce(1) { $0 * shape[normalizeAxis($1, rank: rank)] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Biased (population) variance unless `unbiased`.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { run in
            var s = 0.0, s2 = 0.0
            for v in run { s += Double(v) }
            let m = s / Double(run.count)
            for v in run { let d = Double(v) - m; s2 += d * d }
            return Float(s2 / Double(unbiased ? run.count - 1 : run.count))
        }
    }

    /// Largest value over `axes` (all when nil); -inf for an empty run.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { run in run.reduce(-Float.infinity) { Swift.max($0, $1) } }
    }

    /// Smallest value over `axes` (all when nil); +inf for an empty run.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { run in run.reduce(Float.infinity) { Swift.min($0, $1) } }
    }

    /// Index of the largest element along one axis (first one on ties), as Float values.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce([axis], keepDims: keepDims) { run in
            var best = 0
            for i in 1..<run.count where run[i] > run[best] { best = i }
            return Float(best)
        }
    }

    /// Sum of all elements as Double.
    public var total: Double { withUnsafeBufferPointer { $0.reduce(0.0) { $0 + Double($1) } } }

    /// Sums a broadcast result back to `target` shape (the adjoint of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}
