// Views: reshape, permute, slice, broadcast, squeeze. None copies unless the layout forces it (reshape of a
// non-contiguous tensor).

extension Tensor {
    /// Same elements, new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shapeDescription(shape)) to \(shapeDescription(newShape))")
            target[i] = count / known
        }
        precondition(elementCount(target) == count,
                     "cannot reshape \(shapeDescription(shape)) (\(count) elements) to \(shapeDescription(newShape))")
        let c = contiguous()
        return Tensor(storage: c.storage, shape: target, strides: contiguousStrides(target), offset: c.offset)
    }

    /// Reorders axes: result axis i is source axis order[i].
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank), "bad permutation \(order) for rank \(rank)")
        return Tensor(storage: storage, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizeAxis(a, rank: rank), normalizeAxis(b, rank: rank))
        return permuted(order)
    }

    /// Elements start..<end (step) along one axis.
    public func sliced(axis: Int, _ range: Range<Int>, step: Int = 1) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax] && step > 0,
                     "slice \(range) step \(step) out of bounds for axis \(ax) of size \(shape[ax])")
        var s = shape, st = strides
        s[ax] = (range.count + step - 1) / step
        st[ax] = strides[ax] * step
        return Tensor(storage: storage, shape: s, strides: st, offset: offset + range.lowerBound * strides[ax])
    }

    /// A view that repeats size-1 dimensions (stride 0) up to the given shape (NumPy rules).
    public func broadcast(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "cannot broadcast \(shapeDescription(shape)) to \(shapeDescription(target))")
        let lead = target.count - rank
        var st = [Int](repeating: 0, count: target.count)
        for i in 0..<rank {
            if shape[i] == target[lead + i] { st[lead + i] = strides[i] } else {
                precondition(shape[i] == 1, "cannot broadcast \(shapeDescription(shape)) to \(shapeDescription(target))")
            }
        }
        return Tensor(storage: storage, shape: target, strides: st, offset: offset)
    }

    /// A view with a new axis of length 1 inserted before `axis` (negative counts from the end, -1 appends).
    public func unsqueezed(_ axis: Int) -> Tensor {
        let ax = axis < 0 ? axis + rank + 1 : axis
        var s = shape, st = strides
        s.insert(1, at: ax)
        st.insert(ax < rank ? strides[ax] * shape[ax] : 1, at: ax)
        return Tensor(storage: storage, shape: s, strides: st, offset: offset)
    }

    /// A view without `axis`, which must have length 1 (traps otherwise).
    public func squeezed(_ axis: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(shape[ax] == 1, "cannot squeeze axis \(ax) of size \(shape[ax])")
        var s = shape, st = strides
        s.remove(at: ax); st.remove(at: ax)
        return Tensor(storage: storage, shape: s, strides: st, offset: offset)
    }

    /// Collapses all dimensions from `axis` on into one.
    public func flattened(from axis: Int = 1) -> Tensor {
        reshaped(Array(shape.prefix(axis)) + [shape.dropFirst(axis).reduce(1, *)])
    }
}
