// Storage: one 64-byte-aligned Float buffer, shared by every view of it.
// A final class so that views are cheap (one reference) and copy-on-write can ask isKnownUniquelyReferenced.
import Foundation

/// One 64-byte-aligned buffer of Float32 values, shared by every view of it and freed with the last one. Tensors
/// copy it before writing when it is shared (copy-on-write), so a storage seen by several tensors is never changed.
public final class TensorStorage {
    /// The number of Float values it holds.
    public let count: Int
    /// The first value (64-byte aligned), valid for the storage's lifetime.
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised memory: callers write every element before reading.
    public init(uninitializedCount count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("gridcnn: out of memory allocating \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// `count` copies of `value`.
    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit { free(pointer) }
}
