// Data reads of HDF5-based files (netCDF-4 variables, HDF5 datasets) go through a reader child process (see
// CHDF5/isolated_read.h): a corrupt chunk index, filter or heap that makes libhdf5 crash or loop ends the child, and
// the caller gets a typed error instead of a signal or a hang. The metadata probe has already walked the structure
// in its own child; this covers what the probe cannot, reading the data itself.
import CHDF5
import Foundation

/// The reader child of one open file; started at the first read, ended when the file is closed.
final class IsolatedReader {
    let path: String
    private var reader = gc_reader()
    private var started = false

    /// CPU seconds the metadata probe or one read may use before libhdf5 is presumed stuck on corrupt structure,
    /// plus one second per 16 MB read (env GRIDIO_READ_TIMEOUT_S, default 20: sound files take milliseconds, and a
    /// user waiting longer on a file that can never be read would call it a hang). CPU time, so that a loaded
    /// machine does not fail sound reads; a child blocked without using CPU gets ten times this in wall time.
    static var baseTimeLimit: Double { timeLimitOverride ?? environmentTimeLimit }
    private static let environmentTimeLimit =
        Double(ProcessInfo.processInfo.environment["GRIDIO_READ_TIMEOUT_S"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 20
    /// Lets a test wait less for a file that hangs libhdf5, without changing the limit for other tests.
    @TaskLocal static var timeLimitOverride: Double?

    /// False with GRIDIO_TRUST_FILES=1: reads then run in this process (as the probe is skipped).
    static let enabled = ProcessInfo.processInfo.environment["GRIDIO_TRUST_FILES"] != "1"

    /// The library whose crash a failed read reports ("HDF5", or "NCZarr" for Zarr stores).
    let library: String

    init(path: String, library: String = "HDF5") { self.path = path; self.library = library }

    /// True once the child runs (settings made in this process after that must be sent to it).
    var isRunning: Bool { started }

    deinit { if started { withLibraryLock { gc_reader_stop(&reader) } } }

    /// Runs `request` against the child (called with the library lock held); returns the library status, or throws
    /// when the child crashed, ran past its time limit, or could not be started.
    func run(what: String, bytes: Int, _ request: (UnsafeMutablePointer<gc_reader>, Int32) -> Int32) throws -> Int32 {
        if !started {
            guard gc_reader_start(&reader) == 0 else {
                throw GridIOError.library(path: path, detail: "cannot start a reader process: \(String(cString: strerror(errno)))")
            }
            started = true
        }
        let seconds = Self.baseTimeLimit + Double(bytes) / 16e6
        let status = request(&reader, Int32(clamping: Int(min(seconds * 1000, 2e9))))
        switch status {
        case GC_READ_CRASHED:
            let signal = reader.signal_number > 0 ? " (signal \(reader.signal_number))" : ""
            throw GridIOError.truncatedOrCorrupt(path: path, detail: "the \(library) library crashed \(what)\(signal), in a reader process")
        case GC_READ_HUNG:
            throw GridIOError.truncatedOrCorrupt(path: path, detail: "\(what) did not finish in \(Int(seconds)) s")
        case GC_READ_NO_CHILD:
            throw GridIOError.library(path: path, detail: "the reader process is gone")
        default:
            return status
        }
    }

    /// Makes the child crash (`spin` false) or loop for ever, as libhdf5 does on some corrupt files; for tests.
    func injectFault(spin: Bool) throws {
        _ = try run(what: "a test fault", bytes: 0) { r, ms in gc_reader_test_fault(r, spin ? GC_READ_TEST_SPIN : GC_READ_TEST_CRASH, ms) }
    }
}
