// Atomic output: writers create `.name.tmp-PID-N` next to the final file and rename it over the final name only when
// everything succeeded. rename(2) within one directory is atomic, so readers see the old file or the new one, never
// half of one, and a failed or abandoned write leaves an existing file untouched.
import Foundation

struct AtomicOutput {
    let finalPath: String
    let temporaryPath: String
    let overwrite: Bool

    private static let counter = Counter()

    /// Checks the destination and picks a temporary name; creates nothing yet.
    init(path: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GridIOError.writeFailed(path: path, detail: "directory \(directory) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw GridIOError.writeFailed(path: path, detail: "is a directory") }
            if !overwrite { throw GridIOError.outputExists(path: path) }
        }
        finalPath = path
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(Self.counter.next())").path
        self.overwrite = overwrite
    }

    /// Moves the finished temporary file onto the final name (removing the temporary file on failure).
    func commit() throws {
        if !overwrite && FileManager.default.fileExists(atPath: finalPath) {
            discard()
            throw GridIOError.outputExists(path: finalPath)
        }
        if rename(temporaryPath, finalPath) != 0 {
            let reason = String(cString: strerror(errno))
            discard()
            throw GridIOError.writeFailed(path: finalPath, detail: "rename: \(reason)")
        }
    }

    /// Removes the temporary file if it exists.
    func discard() { _ = unlink(temporaryPath) }
}

/// A process-wide counter so that two writers of the same name in one process never share a temporary file.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
