// Time steps of a streamed job spread over the ranks of a process group (MPI): rank r computes steps r, r + N, ...;
// the first rank receives every step's result in step order and does all the writing, so the output is the one a
// single rank writes (same file, same bytes) and is written atomically as always. Memory stays one step per rank.
import Foundation
import GridTensor

/// A step's result as it travels between ranks.
protocol StepPayload {
    func payloadBytes() throws -> [UInt8]
    init(payloadBytes: [UInt8]) throws
}

/// Float fields travel as raw bytes (bit for bit).
extension Array: StepPayload where Element == Float {
    func payloadBytes() throws -> [UInt8] { withUnsafeBytes { Array<UInt8>($0) } }
    init(payloadBytes b: [UInt8]) throws {
        self = [Float](repeating: 0, count: b.count / MemoryLayout<Float>.stride)
        _ = self.withUnsafeMutableBytes { b.copyBytes(to: $0) }
    }
}

/// Any Codable result (masks, objects, candidates), as JSON.
struct CodablePayload<Value: Codable>: StepPayload {
    var value: Value
    init(_ value: Value) { self.value = value }
    func payloadBytes() throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
    init(payloadBytes b: [UInt8]) throws { value = try JSONDecoder().decode(Value.self, from: Data(b)) }
}

struct RankedSteps {
    let group: ProcessGroup
    init(_ group: ProcessGroup) { self.group = group }

    /// Runs `compute` for the steps 0..<count this rank owns and `consume` on the first rank for every step in order.
    /// `compute` is called in increasing step order on each rank (readers may seek forward).
    func run<R: StepPayload>(steps count: Int, compute: (Int) throws -> R, consume: (Int, R) throws -> Void) throws {
        let n = group.size
        guard n > 1 else {
            for i in 0..<count { try consume(i, try compute(i)) }
            return
        }
        let tag = 40
        if group.isRoot {
            for i in 0..<count {
                let owner = group.owner(ofItem: i)
                let r = owner == 0 ? try compute(i) : try R(payloadBytes: try group.receiveMessage(from: owner, tag: tag))
                try consume(i, r)
            }
        } else {
            for i in stride(from: group.rank, to: count, by: n) {
                try group.sendMessage(try compute(i).payloadBytes(), to: 0, tag: tag)
            }
        }
    }
}
