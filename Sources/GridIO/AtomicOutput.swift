// Atomic output: writers create `.name.tmp-PID-N` next to the final file and rename it over the final name only when
// everything succeeded. rename(2) within one directory is atomic, so readers see the old file or the new one, never
// half of one, and a failed or abandoned write leaves an existing file untouched.
import Foundation

struct AtomicOutput {
    let finalPath: String
    let temporaryPath: String
    let overwrite: Bool

    private static let counter = Counter()

    /// A full disk or a file-size limit (ulimit -f) must fail a write with EFBIG/ENOSPC, which the writers turn into
    /// an error and a removed temporary, rather than kill the process with SIGXFSZ and leave the temporary behind.
    private static let fileSizeSignalIgnored: Void = { _ = signal(SIGXFSZ, SIG_IGN) }()

    /// Checks the destination, removes temporaries of this name left by runs that died, and picks a temporary name;
    /// creates nothing yet.
    init(path: String, overwrite: Bool) throws {
        Self.fileSizeSignalIgnored
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GridIOError.writeFailed(path: path, detail: "directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw GridIOError.writeFailed(path: path, detail: "directory \(directory) is not writable")
        }
        Self.removeAbandonedTemporaries(of: url.lastPathComponent, in: directory)
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

    /// Deletes `.NAME.tmp-PID-N` (and the older `.NAME.tmp-PID`) files whose process no longer exists: what a run
    /// killed mid-write leaves. A temporary of a live process, possibly writing right now, is left alone.
    static func removeAbandonedTemporaries(of name: String, in directory: String) {
        let prefix = ".\(name).tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let parts = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
                  let pid = Int32(parts[0]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { _ = unlink(directory + "/" + entry) }
        }
    }
}

/// A process-wide counter so that two writers of the same name in one process never share a temporary file.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
