// Not a unit test: a benchmark mode driven by scripts/bench_stream.sh. Without GRIDIO_BENCH_FILE it returns at once.
import Foundation
import Testing
@testable import GridIO

@Suite struct StreamBenchmark {
    @Test func streamBenchmark() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["GRIDIO_BENCH_FILE"] else { return }
        let name = env["GRIDIO_BENCH_VAR"] ?? "tas"
        let file = try NetCDFFile(path: path)
        let reader = try file.timeSteps(of: name)
        let start = Date()
        var steps = 0, valid = 0
        var sum = 0.0
        while let step = try reader.next() {
            step.data.withUnsafeBufferPointer { values in
                for x in values where !x.isNaN { sum += Double(x); valid += 1 }
            }
            steps += 1
        }
        let seconds = Date().timeIntervalSince(start)
        let bytes = Double(try file.variable(name).count * 4)
        let peak = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map(String.init) ?? "VmHWM: ?"
        print(String(format: "GRIDIO_BENCH steps=%d valid=%d mean=%.6g seconds=%.2f MBps=%.1f chunkCache=%d %@",
                     steps, valid, sum / Double(max(valid, 1)), seconds, bytes / 1e6 / max(seconds, 1e-9), reader.cacheBytes, peak))
    }
}
