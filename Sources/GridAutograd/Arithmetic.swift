// Differentiable arithmetic, shape and reduction ops. Each gradient rule sits next to its forward.
import GridTensor

extension Variable {
    /// Elementwise sum, broadcasting as Tensor does; each gradient is summed back to its operand's shape.
    public static func + (a: Variable, b: Variable) -> Variable {
        op(a.value + b.value, [a, b]) { g in [g.sumToShape(a.shape), g.sumToShape(b.shape)] }
    }
    /// Elementwise difference, broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable {
        op(a.value - b.value, [a, b]) { g in [g.sumToShape(a.shape), (-g).sumToShape(b.shape)] }
    }
    /// Elementwise product, broadcasting.
    public static func * (a: Variable, b: Variable) -> Variable {
        op(a.value * b.value, [a, b]) { g in
            [a.requiresGrad ? (g * b.value).sumToShape(a.shape) : nil, b.requiresGrad ? (g * a.value).sumToShape(b.shape) : nil]
        }
    }
    /// Elementwise quotient, broadcasting.
    public static func / (a: Variable, b: Variable) -> Variable {
        op(a.value / b.value, [a, b]) { g in
            [a.requiresGrad ? (g / b.value).sumToShape(a.shape) : nil,
             b.requiresGrad ? (-(g * a.value) / b.value.squared()).sumToShape(b.shape) : nil]
        }
    }
    /// `s` added to every element.
    public static func + (a: Variable, s: Float) -> Variable { op(a.value + s, [a]) { [$0] } }
    /// `s` subtracted from every element.
    public static func - (a: Variable, s: Float) -> Variable { op(a.value - s, [a]) { [$0] } }
    /// Every element times `s`.
    public static func * (a: Variable, s: Float) -> Variable { op(a.value * s, [a]) { [$0 * s] } }
    /// Every element times `s`.
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    /// Every element divided by `s`.
    public static func / (a: Variable, s: Float) -> Variable { a * (1 / s) }
    /// Every element negated.
    public static prefix func - (a: Variable) -> Variable { op(-a.value, [a]) { [-$0] } }
    /// `s` minus every element.
    public static func - (s: Float, a: Variable) -> Variable { op(s - a.value, [a]) { [-$0] } }
    /// `s` added to every element.
    public static func + (s: Float, a: Variable) -> Variable { a + s }

    /// Matrix product over the last two axes (`[..., m, k]` x `[..., k, n]` -> `[..., m, n]`), as Tensor.matmul.
    public static func matmul(_ a: Variable, _ b: Variable) -> Variable {
        op(Tensor.matmul(a.value, b.value), [a, b]) { g in
            [a.requiresGrad ? Tensor.matmul(g, b.value, transposeB: true).sumToShape(a.shape) : nil,
             b.requiresGrad ? Tensor.matmul(a.value, g, transposeA: true).sumToShape(b.shape) : nil]
        }
    }

    /// The same values in a new shape with the same element count.
    public func reshaped(_ shape: [Int]) -> Variable {
        let old = self.shape
        return .op(value.reshaped(shape), [self]) { [$0.reshaped(old)] }
    }
    /// Axes from `axis` on merged into one: `[N, C, H, W]` -> `[N, C*H*W]` by default.
    public func flattened(from axis: Int = 1) -> Variable {
        reshaped(Array(shape.prefix(axis)) + [shape.dropFirst(axis).reduce(1, *)])
    }
    /// Axes reordered: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return .op(value.permuted(order).contiguous(), [self]) { [$0.permuted(inverse).contiguous()] }
    }
    /// Axes `a` and `b` swapped (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Variable {
        var order = Array(0..<shape.count)
        order.swapAt(normalizeAxis(a, rank: shape.count), normalizeAxis(b, rank: shape.count))
        return permuted(order)
    }
    /// The indices `range` along `axis`; the gradient is zero outside them.
    public func sliced(axis: Int, _ range: Range<Int>) -> Variable {
        let ax = normalizeAxis(axis, rank: shape.count), n = shape[ax]
        return .op(value.sliced(axis: ax, range).contiguous(), [self]) { g in
            [g.applyingTaps(.pad(size: range.count, lo: range.lowerBound, hi: n - range.upperBound, mode: .zero), axis: ax)]
        }
    }
    /// Pads the trailing axes (see Tensor.padded).
    public func padded(lo: [Int], hi: [Int], mode: AxisTaps.PadMode = .zero, value: Float = 0) -> Variable {
        let r = shape.count
        let taps = (0..<lo.count).map { AxisTaps.pad(size: shape[r - lo.count + $0], lo: lo[$0], hi: hi[$0], mode: mode) }
        return .op(self.value.padded(lo: lo, hi: hi, mode: mode, value: value), [self]) { g in
            var dx = g
            for i in (0..<lo.count).reversed() where lo[i] != 0 || hi[i] != 0 { dx = dx.applyingTapsAdjoint(taps[i], axis: r - lo.count + i) }
            return [dx]
        }
    }
    /// `parts` joined along `axis` (all other axes equal); the gradient is split back.
    public static func concatenate(_ parts: [Variable], axis: Int) -> Variable {
        let ax = normalizeAxis(axis, rank: parts[0].shape.count)
        let sizes = parts.map { $0.shape[ax] }
        return op(Tensor.concatenate(parts.map(\.value), axis: ax), parts) { g in g.split(sizes: sizes, axis: ax) }
    }
    /// `parts` (all of one shape) stacked along a new axis at `axis`.
    public static func stack(_ parts: [Variable], axis: Int = 0) -> Variable {
        let ax = axis < 0 ? axis + parts[0].shape.count + 1 : axis   // a new axis: -1 appends, as Tensor.stack
        return concatenate(parts.map { $0.reshaped(Array($0.shape.prefix(ax)) + [1] + Array($0.shape.dropFirst(ax))) }, axis: ax)
    }

    /// Sum over `axes` (all when nil), accumulated in Double; `keepDims` keeps them with length 1.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
        let s = shape
        let kd = (0..<s.count).map { i in (axes ?? Array(0..<s.count)).map { normalizeAxis($0, rank: s.count) }.contains(i) ? 1 : s[i] }
        return .op(value.sum(axes: axes, keepDims: keepDims), [self]) { g in [g.reshaped(kd).broadcast(to: s).contiguous()] }
    }
    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
        let n = (axes ?? Array(0..<shape.count)).reduce(1) { $0 * shape[normalizeAxis($1, rank: shape.count)] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }
    /// log(sum(exp(x))) over axes, stable for large x.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Variable {
        let m = Variable(value.max(axes: axes, keepDims: true))
        let s = (self - m).exp().sum(axes: axes, keepDims: true).log() + m
        return keepDims ? s : s.reshaped(value.max(axes: axes).shape)
    }

    /// Population variance.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
        let m = mean(axes: axes, keepDims: true)
        let d = self - m
        return (d * d).mean(axes: axes, keepDims: keepDims)
    }
    /// Maximum over axes; the gradient goes to the (first) maximal element of each run.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Variable {
        let s = shape
        let ax = (axes ?? Array(0..<s.count)).map { normalizeAxis($0, rank: s.count) }
        let kd = (0..<s.count).map { ax.contains($0) ? 1 : s[$0] }
        let m = value.max(axes: ax, keepDims: true)
        return .op(keepDims ? m : m.reshaped(value.max(axes: ax).shape), [self]) { g in
            // One-hot of the first maximum in each reduced run.
            let isMax = Tensor.zip(self.value, m.broadcast(to: s)) { $0 == $1 ? 1 : 0 }
            let firstMask = firstOnly(isMax, axes: ax)
            return [firstMask * g.reshaped(kd).broadcast(to: s)]
        }
    }
}

/// Keeps only the first 1 of each run over `axes` (ties in max go to one element, as PyTorch does for max(dim)).
func firstOnly(_ mask: Tensor, axes: [Int]) -> Tensor {
    let keptAxes = (0..<mask.rank).filter { !axes.contains($0) }
    let order = keptAxes + axes.sorted()
    var moved = mask.permuted(order).contiguous()
    let run = axes.reduce(1) { $0 * mask.shape[$1] }
    moved.withUnsafeMutableBufferPointer { p in
        for start in stride(from: 0, to: p.count, by: max(run, 1)) {
            var seen = false
            for i in start..<(start + run) { if p[i] != 0 { if seen { p[i] = 0 } else { seen = true } } }
        }
    }
    var inverse = [Int](repeating: 0, count: order.count)
    for (i, o) in order.enumerated() { inverse[o] = i }
    return moved.reshaped(order.map { mask.shape[$0] }).permuted(inverse).contiguous()
}
