// Progress for long work: a redrawn bar with rate and ETA when stderr is a terminal, plain periodic lines
// otherwise (logs, CI, batch jobs). Never writes to stdout, which carries results.
import Foundation

/// Progress of long work on standard error (never standard output, which carries results): a redrawn bar with rate
/// and ETA when stderr is a terminal, otherwise a plain line every `lineInterval` seconds (logs, CI, batch jobs).
/// Not thread-safe: call it from the thread that does the work.
public final class ProgressReporter {
    /// The word each line starts with (e.g. `train`, `apply`).
    public let label: String
    /// The number of units that make 100 % (at least 1).
    public let total: Int
    /// When true nothing is written.
    public var quiet: Bool
    private let isTTY: Bool
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let lineInterval: TimeInterval

    /// A reporter for `total` units; `lineInterval` is the seconds between plain lines when stderr is not a terminal.
    public init(_ label: String, total: Int, quiet: Bool = false, lineInterval: TimeInterval = 5) {
        self.label = label; self.total = max(total, 1); self.quiet = quiet
        self.isTTY = isatty(2) != 0
        self.lineInterval = lineInterval
    }

    /// Reports `done` of `total` units; `status` is appended (e.g. "loss 0.0213").
    public func update(_ done: Int, status: String = "", force: Bool = false) {
        guard !quiet else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        if isTTY {
            guard force || now.timeIntervalSince(lastPrint) > 0.1 || done == total else { return }
            let width = 28, filled = Int(Double(width) * Double(done) / Double(total))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            writeStderr("\r\(label) [\(bar)] \(done)/\(total) \(String(format: "%.1f/s", rate)) ETA \(formatDuration(eta)) \(status)\u{1B}[K")
            if done == total { writeStderr("\n") }
        } else {
            guard force || now.timeIntervalSince(lastPrint) >= lineInterval || done == total else { return }
            writeStderr("\(label): \(done)/\(total) (\(Int(100 * Double(done) / Double(total)))%) \(String(format: "%.1f/s", rate)) eta \(formatDuration(eta)) \(status)\n")
        }
        lastPrint = now
    }

    /// A message line that does not break the bar.
    public func log(_ message: String) {
        guard !quiet else { return }
        writeStderr((isTTY ? "\r\u{1B}[K" : "") + message + "\n")
    }
}

/// Writes `s` to standard error as UTF-8, unbuffered (add the newline yourself).
public func writeStderr(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }

/// A duration for progress lines: `m:ss` under an hour, `XhYYm` from one hour, `?` when not finite.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%d:%02d", s / 60, s % 60)
}
