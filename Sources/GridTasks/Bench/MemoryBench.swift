// `gridcnn bench --memory`: peak resident memory of a steady-state training step (Linux: VmHWM is reset through
// /proc/self/clear_refs after one warm-up step, so the peak covers weights, optimizer state, data and everything a
// step allocates, but not start-up transients). One workload per process: memory freed by an earlier workload
// would otherwise stay resident and hide the next one's peak. scripts/bench-memory.sh runs the peer the same way.
import Foundation
import GridAutograd
import GridNN
import GridTensor

/// Peak resident memory of one workload's training step, measured by `MemoryBench.run` (`gridcnn bench --memory`).
public struct MemoryRecord: Codable, Sendable {
    /// The workload's name (`BenchWorkload.rawValue`).
    public var workload: String
    /// Resident set right after set-up (model, data, runtime), before any step.
    public var baselineMB: Double
    /// Highest resident set during `steps` training steps after one warm-up step.
    public var peakMB: Double
    /// Training steps the peak covers (after one warm-up step).
    public var steps: Int
}

/// `gridcnn bench --memory`: peak resident memory of a steady-state training step (Linux only). Run one workload per
/// process: memory freed by an earlier workload stays resident and would hide the next one's peak.
public enum MemoryBench {
    /// Sets the workload up on one thread, reads VmRSS, runs one warm-up step, resets the peak through
    /// `/proc/self/clear_refs`, runs `steps` (at least 1) training steps and reads VmHWM.
    /// - Throws: `TaskError` where `/proc/self/status` or `/proc/self/clear_refs` is missing (not Linux).
    public static func run(_ w: BenchWorkload, steps: Int = 3) throws -> MemoryRecord {
        try GridRuntime.withThreads(1) { try measure(w, steps: steps) }
    }

    static func measure(_ w: BenchWorkload, steps: Int) throws -> MemoryRecord {
        let s = Bench.setup(w)
        let step = s.trainingStep()
        s.model.train()
        let baseline = try statusMB("VmRSS")
        step()
        try resetPeak()
        for _ in 0..<max(steps, 1) { step() }
        return MemoryRecord(workload: w.rawValue, baselineMB: baseline, peakMB: try statusMB("VmHWM"), steps: max(steps, 1))
    }

    static func statusMB(_ key: String) throws -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else {
            throw TaskError("memory benchmark needs Linux /proc/self/status (\(key))")
        }
        return kb / 1024
    }

    /// Writing 5 to clear_refs resets VmHWM to the current resident size (Linux >= 4.0).
    static func resetPeak() throws {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else {
            throw TaskError("memory benchmark cannot reset the peak (no /proc/self/clear_refs)")
        }
        h.write("5".data(using: .utf8)!)
        try h.close()
    }
}
