// The job contract, checked on the real `gridcnn` binary for every training job: an existing output is refused
// (and left as it was), a foreign or damaged checkpoint is refused with one line, Ctrl-C (SIGINT) and SIGTERM leave
// a resumable state with exit status 130 / 143 and nothing under the final name, and every --json report uses
// snake_case keys.
import Foundation
import Testing

/// The release binary next to the test bundle (scripts/build.sh builds both).
let gridcnn: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/release/gridcnn").path
}()
let repoRoot = URL(fileURLWithPath: gridcnn).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Error lines: every message the command printed for a failure.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error:") } }
}

/// Runs gridcnn with `args` in the repository root; `signal` is sent once stderr contains `when` (a progress line).
func runGridcnn(_ args: [String], signal: Int32? = nil, when marker: String = "train: ", ranks: Int? = nil) throws -> RunResult {
    let p = Process()
    if let ranks {
        // Under mpirun (as root in CI; more ranks than cores when asked). Process hands the signals over blocked;
        // mpirun must receive SIGINT/SIGTERM to pass them on, so they are unblocked before it starts.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM}); "
                       + "os.execvp('mpirun', sys.argv[1:])",
                       "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", gridcnn] + args
    } else {
        p.executableURL = URL(fileURLWithPath: gridcnn)
        p.arguments = args
    }
    p.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    let errData = Collected(), outData = Collected()
    // One reader thread per pipe until end of file (availableData blocks, and is empty only at EOF). With
    // readabilityHandler, a call still in flight when the handler was cleared could append after the result was
    // taken: under full-suite load a JSON report came back empty with exit 0.
    let readers = DispatchGroup()
    for (pipe, sink) in [(out, outData), (err, errData)] {
        DispatchQueue.global().async(group: readers) {
            while true {
                let d = pipe.fileHandleForReading.availableData
                if d.isEmpty { break }
                sink.append(d)
            }
        }
    }
    try p.run()
    if let signal {
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline {
            if errData.text.contains(marker) { kill(p.processIdentifier, signal); break }
            usleep(20_000)
        }
    }
    p.waitUntilExit()
    // Our copies of the write ends must close for EOF; a grandchild still holding them is given 60 s.
    try? out.fileHandleForWriting.close()
    try? err.fileHandleForWriting.close()
    if readers.wait(timeout: .now() + 60) == .timedOut { Issue.record("gridcnn's output pipes stayed open 60 s after it exited") }
    return RunResult(status: p.terminationStatus, stdout: outData.text, stderr: errData.text)
}

/// Bytes a pipe delivers on another thread.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}

/// One training job as the contract exercises it: its quick arguments (output excluded) and one of its apply or
/// evaluate commands that takes the checkpoint (`MODEL` is replaced by the checkpoint path).
struct TrainingJobCase: CustomTestStringConvertible, Sendable {
    var task: String
    var quick: [String]
    /// Enough epochs that a signal arrives while it trains.
    var long: [String]
    var apply: [String]
    var testDescription: String { task }

    static let all: [TrainingJobCase] = [
        TrainingJobCase(task: "downscale",
                        quick: ["--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4", "--patch", "16",
                                "--batch-size", "2", "--steps-per-epoch", "2", "--epochs", "1", "--width", "4"],
                        long: ["--epochs", "500"],
                        apply: ["evaluate", "downscale", "--model", "MODEL", "--truth", "datasets/climate/tas_rectilinear_grid_2D.nc"]),
        TrainingJobCase(task: "detect",
                        quick: ["--input", "datasets/weather/weather_train.nc", "--base", "4", "--depth", "2", "--patch", "16",
                                "--batch-size", "1", "--steps-per-epoch", "1", "--epochs", "1"],
                        long: ["--epochs", "2000"],
                        apply: ["evaluate", "detect", "--model", "MODEL", "--input", "datasets/weather/weather_test.nc"]),
        TrainingJobCase(task: "classify",
                        quick: ["--input", "datasets/jets/jets_sample.h5", "--width", "2", "--epochs", "1", "--batch-size", "64"],
                        long: ["--epochs", "2000", "--patience", "0"],
                        apply: ["evaluate", "classify", "--model", "MODEL", "--input", "datasets/jets/jets_sample.h5"]),
        TrainingJobCase(task: "syllables",
                        quick: ["--data", "datasets/speech/syllables", "--epochs", "1"],
                        long: ["--epochs", "5000"],
                        apply: ["evaluate", "syllables", "--model", "MODEL", "--data", "datasets/speech/syllables"]),
        TrainingJobCase(task: "sequence",
                        quick: ["--input", "datasets/speech/ecg.nc:ecg", "--layers", "3", "--residual", "4", "--skip", "4",
                                "--window", "200", "--batch-size", "2", "--steps-per-epoch", "2", "--epochs", "1"],
                        long: ["--epochs", "5000"],
                        apply: ["evaluate", "sequence", "--model", "MODEL"]),
    ]
}

private func scratch() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-contract-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Keys that are not snake_case (a lower-case letter followed by an upper-case one), with their paths.
private func camelCaseKeys(_ value: Any, path: String = "") -> [String] {
    if let d = value as? [String: Any] {
        return d.flatMap { k, v in
            (k.range(of: "[a-z][A-Z]", options: .regularExpression) != nil ? ["\(path)/\(k)"] : []) + camelCaseKeys(v, path: "\(path)/\(k)")
        }
    }
    if let a = value as? [Any] { return a.flatMap { camelCaseKeys($0, path: path + "[]") } }
    return []
}

@Suite(.serialized) struct JobContractTests {
    @Test(arguments: TrainingJobCase.all)
    func trainingJobKeepsTheContract(_ job: TrainingJobCase) throws {
        let dir = scratch()
        let out = dir + "/m.h5"
        // 1. A short run: its --json report is snake_case and carries the shared training summary.
        let ok = try runGridcnn(["train", job.task] + job.quick + ["--output", out, "--quiet", "--json"])
        #expect(ok.status == 0, "\(job.task): \(ok.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8))
        #expect(camelCaseKeys(report).isEmpty, "\(job.task): camelCase keys \(camelCaseKeys(report))")
        let training = (report as? [String: Any])?["training"] as? [String: Any]
        #expect(training?["checkpoint"] as? String == out && training?["epochs"] as? Int == 1)

        // 2. An existing output is refused with one line and left as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let again = try runGridcnn(["train", job.task] + job.quick + ["--output", out, "--quiet"])
        #expect(again.status == 1 && again.errorLines.count == 1 && again.errorLines[0].contains("--overwrite"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)

        // 3. Ctrl-C while training: exit 130, the state beside the output, nothing under the final name; the state
        //    resumes (stopped again at a later step here, to keep the test short).
        let fresh = dir + "/interrupted.h5"
        let stopped = try runGridcnn(["train", job.task] + job.quick + job.long + ["--output", fresh], signal: SIGINT)
        #expect(stopped.status == 130, "\(job.task): status \(stopped.status), \(stopped.stderr.suffix(400))")
        #expect(stopped.stderr.contains("--resume \(dir)/interrupted.interrupted.h5"))
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let state = dir + "/interrupted.interrupted.h5"
        #expect(FileManager.default.fileExists(atPath: state))
        let resumed = try runGridcnn(["train", job.task] + job.quick + job.long + ["--output", fresh, "--resume", state], signal: SIGTERM)
        #expect(resumed.status == 143, "\(job.task): status \(resumed.status), \(resumed.stderr.suffix(400))")
        #expect(resumed.stderr.contains("resuming from \(state)"))
        let other = try runGridcnn(["train", job.task] + job.quick + ["--output", fresh, "--resume", state, "--quiet"])
        #expect(other.status == 1 && other.errorLines.first?.contains("not an interrupted run of this command") == true, "\(other.stderr)")

        // 4. Its evaluate command refuses a damaged checkpoint and one of another task, with one line each.
        let damaged = dir + "/damaged.h5"
        try before.prefix(before.count / 2).write(to: URL(fileURLWithPath: damaged))
        for (path, expected) in [(damaged, damaged), ("models/detect-unet.h5", "not a")] where !(job.task == "detect" && path.hasPrefix("models")) {
            let r = try runGridcnn(job.apply.map { $0 == "MODEL" ? path : $0 } + ["--quiet"])
            #expect(r.status == 1 && r.errorLines.count == 1 && r.errorLines[0].contains(expected), "\(job.task) given \(path): \(r.stderr)")
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func everyJSONReportIsSnakeCase() throws {
        let dir = scratch()
        let commands: [[String]] = [
            ["info", "datasets/weather/weather_test.nc", "--json"],
            ["summary", "models/detect-unet.h5", "--json"],
            ["summary", "unet", "--json"],
            ["label", "--input", "datasets/weather/weather_test.nc", "--output", dir + "/l.nc", "--json", "--quiet"],
            ["detect", "--model", "models/detect-unet.h5", "--input", "datasets/weather/weather_test.nc", "--output", dir + "/d.nc", "--json", "--quiet"],
            ["evaluate", "detect", "--model", "models/detect-unet.h5", "--input", "datasets/weather/weather_test.nc", "--json", "--quiet"],
            ["coarsen", "--input", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4", "--output", dir + "/c.nc", "--json"],
            ["track", "--input", "datasets/weather/weather_tracks.nc", "--preset", "tropical", "--output", dir + "/t.csv", "--json", "--quiet"],
            ["evaluate", "track", "--tracks", dir + "/t.csv", "--reference", "datasets/weather/weather_tracks.csv", "--json"],
            ["track-objects", "--input", dir + "/l.nc", "--class", "2", "--output", dir + "/o.nc", "--json", "--quiet"],
        ]
        for c in commands {
            let r = try runGridcnn(c)
            #expect(r.status == 0, "\(c.prefix(2)): \(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
            #expect(camelCaseKeys(json).isEmpty, "\(c.prefix(2)): \(camelCaseKeys(json))")
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A dataset name that a damaged file spells with a newline (byte 722 of the jet sample set to 0x0a, fuzz seed 44
    /// #855) still makes one error line: control characters in messages are escaped.
    @Test func errorQuotingANewlineStaysOneLine() throws {
        let dir = scratch()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repoRoot + "/datasets/jets/jets_sample.h5")))
        for (offset, value) in [722: 10, 7047: 5, 11672: 30, 418435: 113, 542669: 221] as [Int: UInt8] { bytes[offset] = value }
        let path = dir + "/jets.h5"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try runGridcnn(["info", path, "--json"])
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("\\u{a}"), "\(r.stderr)")
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func errorsAreOneLineWithExitOne() throws {
        for c in [["info", "/nonexistent.nc"], ["summary", "no-such-model"], ["downscale", "--model", "/nonexistent.h5", "--input", "x.nc", "--output", "/tmp/x.nc"],
                  ["train", "classify", "--input", "datasets/jets/jets_sample.h5", "--output", "/tmp/never.h5", "--epochs", "0"],
                  ["track", "--input", "datasets/weather/weather_tracks.nc", "--output", "/tmp/never.tracks"],
                  ["track", "--input", "datasets/weather/weather_tracks.nc", "--output", "/tmp/never.csv", "--closed-contour", "2"],
                  ["evaluate", "track", "--tracks", "/nonexistent.csv", "--reference", "datasets/weather/weather_tracks.csv"],
                  ["evaluate", "track", "--tracks", "datasets/weather/weather_tracks.nc", "--reference", "datasets/weather/weather_tracks.csv"]] {
            let r = try runGridcnn(c)
            #expect(r.status == 1 && r.errorLines.count == 1 && r.stderr.split(separator: "\n").count == 1, "\(c): \(r.stderr)")
        }
    }
}
