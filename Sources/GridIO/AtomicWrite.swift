// Whole-file outputs (figures, object lists, CSV) through the same atomic mechanism as NetCDF and HDF5 output:
// a temporary file beside the target, renamed over it only when complete.
import Foundation

/// Writes `data` to `path` atomically; an existing file is replaced only if `overwrite`.
public func writeFileAtomically(_ data: Data, to path: String, overwrite: Bool = true) throws {
    let out = try AtomicOutput(path: path, overwrite: overwrite)
    do { try data.write(to: URL(fileURLWithPath: out.temporaryPath)) } catch {
        out.discard()
        throw GridIOError.writeFailed(path: path, detail: (error as NSError).localizedDescription)
    }
    try out.commit()
}
