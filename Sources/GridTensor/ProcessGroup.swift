import Foundation

// The processes one job runs on: MPI ranks (GridMPI) or just this process. Library code that can run data-parallel
// takes a group; nothing below the CLI knows about MPI, and a group of one behaves exactly as a plain run.

/// A fixed set of cooperating processes with collective operations. Collectives must be called by every member in
/// the same order; sums are added in a fixed order, so results do not depend on timing.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This member's index, 0 ..< size.
    var rank: Int { get }
    /// The number of members (1 for a plain run).
    var size: Int { get }
    /// Replaces `values` on every member with their elementwise sum over all members (same count everywhere), added in
    /// a fixed order so the result does not depend on timing.
    func allReduceSum(_ values: inout [Float]) throws
    /// The same sum for Doubles.
    func allReduceSum(_ values: inout [Double]) throws
    /// Replaces `bytes` on every member with root's (all members pass the same count).
    func broadcast(_ bytes: inout [UInt8], root: Int) throws
    /// Sends exactly `bytes` to member `rank`; the receiver must ask for the same count and tag.
    func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws
    /// Receives `count` bytes sent by member `rank` with `tag`, blocking until they arrive.
    func receive(count: Int, from rank: Int, tag: Int) throws -> [UInt8]
    /// Ends every member of the group with this exit code.
    func abort(code: Int32) -> Never
}

extension ProcessGroup {
    /// True on the first member, the one that writes checkpoints and outputs.
    public var isRoot: Bool { rank == 0 }

    /// Sends a message of any length (its length first).
    public func sendMessage(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
        try send(withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) }, to: rank, tag: tag)
        if !bytes.isEmpty { try send(bytes, to: rank, tag: tag) }
    }

    /// Receives a message sent with ``sendMessage(_:to:tag:)`` (its length first), blocking until it arrives.
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
    /// This process alone.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Leaves `values` as they are (the sum over one member).
    public func allReduceSum(_ values: inout [Float]) throws {}
    /// Leaves `values` as they are.
    public func allReduceSum(_ values: inout [Double]) throws {}
    /// Leaves `bytes` as they are.
    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {}
    /// Throws: there is no other member to send to.
    public func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
        throw GridError("a single process cannot send to rank \(rank)")
    }
    /// Throws: there is no other member to receive from.
    public func receive(count: Int, from rank: Int, tag: Int) throws -> [UInt8] {
        throw GridError("a single process cannot receive from rank \(rank)")
    }
    /// Exits this process with `code`.
    public func abort(code: Int32) -> Never { exit(code) }
}
