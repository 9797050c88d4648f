// Tensor: an N-D Float32 array with value semantics. A view is (storage, shape, strides, offset), so reshape,
// permute, slice and broadcast cost no copy; writing goes through copy-on-write and always to a contiguous buffer.
import CGridKernels

/// An N-dimensional array of Float32 values (rank 0 to 6) with value semantics. A tensor is a view (storage, shape,
/// strides, offset): reshapes, permutations, slices and broadcasts share storage and copy nothing; writing copies
/// first when the storage is shared. Elements are in row-major (C) order; gridcnn's layouts are `[N, C, H, W]` for
/// grids, `[N, C, T]` for sequences and `[N, C, D, H, W]` for volumes.
///
/// Misuse that is a programming error (indices out of range, shapes that do not broadcast or fill) traps with a
/// message naming the shapes; errors that data can cause are thrown by the layers above. A tensor may be read from
/// several threads at once; a storage is never written while shared.
public struct Tensor {
    /// The buffer this view reads (possibly shared with other views).
    public private(set) var storage: TensorStorage
    /// Length of each axis, outermost first.
    public let shape: [Int]
    /// Elements to step in `storage` per index along each axis (0 for broadcast axes).
    public let strides: [Int]
    /// Index in `storage` of the first element.
    public let offset: Int

    /// The largest rank a tensor may have (what the kernels index).
    public static let maxRank = 6

    /// A view over existing storage.
    public init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int = 0) {
        precondition(shape.count <= Tensor.maxRank, "rank \(shape.count) exceeds the maximum of \(Tensor.maxRank)")
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shapeDescription(shape))")
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A contiguous tensor whose elements are left for the caller to fill.
    public init(uninitializedShape shape: [Int]) {
        self.init(storage: TensorStorage(uninitializedCount: elementCount(shape)), shape: shape, strides: contiguousStrides(shape))
    }

    /// A contiguous tensor holding `scalars` in row-major order; traps unless their count fills `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(scalars.count == elementCount(shape),
                     "\(scalars.count) values do not fill shape \(shapeDescription(shape)) (\(elementCount(shape)) elements)")
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: $0.count) }
    }

    /// A tensor of `shape` with every element `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(storage: TensorStorage(repeating: value, count: elementCount(shape)), shape: shape, strides: contiguousStrides(shape))
    }

    /// Zeros of `shape`.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }
    /// Ones of `shape`.
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }
    /// A rank-0 tensor holding `scalar`.
    public init(_ scalar: Float) { self.init(repeating: scalar, shape: []) }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of elements (the product of `shape`; 1 for rank 0).
    public var count: Int { elementCount(shape) }

    /// Row-major without gaps; strides of size-1 axes do not matter (a channel slice of a batch-1 tensor is contiguous).
    public var isContiguous: Bool {
        if count <= 1 { return true }
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, got shape \(shapeDescription(shape))")
        return storage.pointer[offset]
    }

    /// The element at one index per axis; traps on a wrong count or an index out of range. For inspection and tests:
    /// loops over many elements belong in kernels.
    public subscript(_ indices: Int...) -> Float {
        get {
            precondition(indices.count == rank, "\(indices.count) indices for rank \(rank)")
            var o = offset
            for (i, idx) in indices.enumerated() {
                precondition(idx >= 0 && idx < shape[i], "index \(idx) out of range for dimension \(i) of size \(shape[i])")
                o += idx * strides[i]
            }
            return storage.pointer[o]
        }
    }

    /// A contiguous copy (or self when already contiguous).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        var out = Tensor(uninitializedShape: shape)
        copyStrided(into: out.storage.pointer)
        out = Tensor(storage: out.storage, shape: shape, strides: contiguousStrides(shape))
        return out
    }

    /// Writes the elements in row-major order to dst (count elements).
    func copyStrided(into dst: UnsafeMutablePointer<Float>) {
        let n = count
        if n == 0 { return }
        let src = storage.pointer
        if isContiguous { dst.update(from: src + offset, count: n); return }
        // Iterate over all but the last axis with a counter; the innermost axis is a strided run.
        let r = rank
        let inner = shape[r - 1], innerStride = strides[r - 1]
        var idx = [Int](repeating: 0, count: r)
        var base = offset
        var written = 0
        while written < n {
            var s = base
            for j in 0..<inner { dst[written + j] = src[s]; s += innerStride }
            written += inner
            var axis = r - 2
            while axis >= 0 {
                idx[axis] += 1
                base += strides[axis]
                if idx[axis] < shape[axis] { break }
                base -= strides[axis] * shape[axis]
                idx[axis] = 0
                axis -= 1
            }
        }
    }

    /// Read access to the elements in row-major order.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let c = contiguous()
        return try withExtendedLifetime(c.storage) {
            try body(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
        }
    }

    /// Write access: makes the tensor contiguous and its storage unique first (copy-on-write).
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0 || storage.count != count {
            let fresh = TensorStorage(uninitializedCount: count)
            copyStrided(into: fresh.pointer)
            self = Tensor(storage: fresh, shape: shape, strides: contiguousStrides(shape))
        }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor[shape](first values, ...)`, at most eight values.
    public var description: String {
        let values = scalars
        let shown = values.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor\(shapeDescription(shape))(\(shown)\(values.count > 8 ? ", ..." : ""))"
    }
}

import Foundation
