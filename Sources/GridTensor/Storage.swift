// Storage: one 64-byte-aligned Float buffer, shared by every view of it.
// A final class so that views are cheap (one reference) and copy-on-write can ask isKnownUniquelyReferenced.
import Foundation

public final class TensorStorage {
    public let count: Int
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

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit { free(pointer) }
}
