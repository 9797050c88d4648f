// Shape arithmetic shared by every op: element counts, contiguous strides, broadcasting.

/// Number of elements of a shape (1 for a scalar).
@inlinable public func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// Row-major (C order) strides for a shape.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = acc
        acc *= shape[i]
    }
    return strides
}

/// NumPy broadcasting of two shapes; nil when they are incompatible.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
}

/// Resolves a possibly negative axis against a rank, trapping with a message when out of range.
@inlinable public func normalizeAxis(_ axis: Int, rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < max(rank, 1), "axis \(axis) out of range for rank \(rank)")
    return a
}

/// A shape as error messages print it: `[1, 2, 64, 64]`.
public func shapeDescription(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
