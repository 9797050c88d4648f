import Foundation

// The processes one job runs on: MPI ranks (GridMPI) or just this process. Library code that can run data-parallel
// takes a group; nothing below the CLI knows about MPI, and a group of one behaves exactly as a plain run.

/// A fixed set of cooperating processes with collective operations. Collectives must be called by every member in
/// the same order; sums are added in a fixed order, so results do not depend on timing.
public protocol ProcessGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    func allReduceSum(_ values: inout [Float]) throws
    func allReduceSum(_ values: inout [Double]) throws
    /// Replaces `bytes` on every member with root's (all members pass the same count).
    func broadcast(_ bytes: inout [UInt8], root: Int) throws
    func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws
    func receive(count: Int, from rank: Int, tag: Int) throws -> [UInt8]
    /// Ends every member of the group with this exit code.
    func abort(code: Int32) -> Never
}

extension ProcessGroup {
    public var isRoot: Bool { rank == 0 }

    /// Sends a message of any length (its length first).
    public func sendMessage(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
        try send(withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) }, to: rank, tag: tag)
        if !bytes.isEmpty { try send(bytes, to: rank, tag: tag) }
    }

    public func receiveMessage(from rank: Int, tag: Int) throws -> [UInt8] {
        let header = try receive(count: 8, from: rank, tag: tag)
        let n = header.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        return n == 0 ? [] : try receive(count: n, from: rank, tag: tag)
    }

    /// Root's value of a Double on every member.
    public func broadcast(_ value: Double, root: Int = 0) throws -> Double {
        var bytes = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        try broadcast(&bytes, root: root)
        return bytes.withUnsafeBytes { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    }

    /// The contiguous share of `count` items that this member owns (the first members get one more when uneven).
    public func share(of count: Int) -> Range<Int> { (count * rank / size)..<(count * (rank + 1) / size) }

    /// The member that owns item `item` when items are dealt round-robin (rank r owns r, r + size, ...).
    public func owner(ofItem item: Int) -> Int { item % size }
}

/// This process alone: collectives are identities.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: inout [Float]) throws {}
    public func allReduceSum(_ values: inout [Double]) throws {}
    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {}
    public func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
        throw GridError("a single process cannot send to rank \(rank)")
    }
    public func receive(count: Int, from rank: Int, tag: Int) throws -> [UInt8] {
        throw GridError("a single process cannot receive from rank \(rank)")
    }
    public func abort(code: Int32) -> Never { exit(code) }
}
