// The ranks of an MPI job as a ProcessGroup. Open MPI is loaded when the process was started by mpirun (or srun with
// PMIx), so the same binary runs alone without MPI installed.
import Foundation
import GridTensor
import CGridMPI

public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int

    /// Started by an MPI launcher? Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE, PMIx launchers PMIX_RANK.
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil
    }

    /// The MPI group when launched by mpirun, else nil (a plain run). Throws when MPI was asked for but cannot start.
    /// `GRIDCNN_LIBMPI` names another libmpi (Open MPI ABI) than libmpi.so.40.
    public static func startIfLaunched() throws -> MPIProcessGroup? {
        guard launchedByMPI else { return nil }
        return try MPIProcessGroup(library: ProcessInfo.processInfo.environment["GRIDCNN_LIBMPI"])
    }

    public init(library: String?) throws {
        var r: Int32 = 0, s: Int32 = 0
        var err = [CChar](repeating: 0, count: 512)
        guard gm_start(library, &r, &s, &err, Int32(err.count)) == 0 else {
            throw GridError("MPI: " + String(cString: err))
        }
        rank = Int(r); size = Int(s)
    }

    public func finish() { gm_finish() }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw GridError("MPI \(what) on rank \(rank): \(String(cString: gm_last_error()))") }
    }

    public func allReduceSum(_ values: inout [Float]) throws {
        let n = values.count
        try check(values.withUnsafeMutableBufferPointer { gm_allreduce_sum_f32($0.baseAddress, Int64(n)) }, "all-reduce")
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        let n = values.count
        try check(values.withUnsafeMutableBufferPointer { gm_allreduce_sum_f64($0.baseAddress, Int64(n)) }, "all-reduce")
    }

    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
        let n = bytes.count
        try check(bytes.withUnsafeMutableBytes { gm_broadcast_bytes($0.baseAddress, Int64(n), Int32(root)) }, "broadcast")
    }

    public func send(_ bytes: [UInt8], to dest: Int, tag: Int) throws {
        try check(bytes.withUnsafeBytes { gm_send_bytes($0.baseAddress, Int64(bytes.count), Int32(dest), Int32(tag)) }, "send")
    }

    public func receive(count: Int, from source: Int, tag: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try check(out.withUnsafeMutableBytes { gm_recv_bytes($0.baseAddress, Int64(count), Int32(source), Int32(tag)) }, "receive")
        return out
    }

    public func abort(code: Int32) -> Never {
        gm_abort(code)
        exit(code)
    }
}
