// The ranks of an MPI job as a ProcessGroup. Open MPI is loaded when the process was started by mpirun (or srun with
// PMIx), so the same binary runs alone without MPI installed.
import Foundation
import GridTensor
import CGridMPI

/// The ranks of an MPI job as a GridTensor `ProcessGroup`. Open MPI's `libmpi` is opened at run time only when a launcher
/// started the process, so the same binary runs alone without MPI installed. Collectives must be called by every rank
/// in the same order, from the thread that created the group (MPI is initialised with MPI_THREAD_FUNNELED).
public final class MPIProcessGroup: ProcessGroup {
    /// This process's rank in `MPI_COMM_WORLD`, 0 ..< size.
    public let rank: Int
    /// The number of ranks.
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

    /// Opens `library` (nil: `libmpi.so.40`) and initialises MPI; throws a one-line `GridError` when the library
    /// cannot be loaded or MPI_Init_thread fails.
    public init(library: String?) throws {
        var r: Int32 = 0, s: Int32 = 0
        var err = [CChar](repeating: 0, count: 512)
        guard gm_start(library, &r, &s, &err, Int32(err.count)) == 0 else {
            throw GridError("MPI: " + String(cString: err))
        }
        rank = Int(r); size = Int(s)
    }

    /// Finalises MPI (call once, after the last collective; the group is unusable afterwards).
    public func finish() { gm_finish() }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw GridError("MPI \(what) on rank \(rank): \(String(cString: gm_last_error()))") }
    }

    /// Every rank's `values` summed elementwise, on every rank, in a fixed ring order (results do not depend on timing);
    /// all ranks pass the same count. Throws when MPI reports an error.
    public func allReduceSum(_ values: inout [Float]) throws {
        let n = values.count
        try check(values.withUnsafeMutableBufferPointer { gm_allreduce_sum_f32($0.baseAddress, Int64(n)) }, "all-reduce")
    }

    /// The same sum for Doubles.
    public func allReduceSum(_ values: inout [Double]) throws {
        let n = values.count
        try check(values.withUnsafeMutableBufferPointer { gm_allreduce_sum_f64($0.baseAddress, Int64(n)) }, "all-reduce")
    }

    /// Replaces `bytes` on every rank with `root`'s (all ranks pass the same count).
    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
        let n = bytes.count
        try check(bytes.withUnsafeMutableBytes { gm_broadcast_bytes($0.baseAddress, Int64(n), Int32(root)) }, "broadcast")
    }

    /// Sends exactly `bytes` to rank `dest` with `tag` (blocking).
    public func send(_ bytes: [UInt8], to dest: Int, tag: Int) throws {
        try check(bytes.withUnsafeBytes { gm_send_bytes($0.baseAddress, Int64(bytes.count), Int32(dest), Int32(tag)) }, "send")
    }

    /// Receives `count` bytes from rank `source` with `tag` (blocking).
    public func receive(count: Int, from source: Int, tag: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try check(out.withUnsafeMutableBytes { gm_recv_bytes($0.baseAddress, Int64(count), Int32(source), Int32(tag)) }, "receive")
        return out
    }

    /// Ends every rank of the job with `code` (MPI_Abort).
    public func abort(code: Int32) -> Never {
        gm_abort(code)
        exit(code)
    }
}
