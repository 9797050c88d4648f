// Data-parallel training and parallel apply under `mpirun -np 2` (Open MPI, installed by scripts/setup.sh), checked
// against one rank: the same global batches give the same weights within rounding (sums are added in another order),
// runs are deterministic, a run stopped on 2 ranks resumes on 1, and a failure ends every rank with one message.
import Foundation
import Testing
import GridTrain
import GridIO

private func scratch() -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-mpi-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Largest weight difference relative to the weights' scale, and whether every tensor matched bit for bit.
/// `ignoring`: tensors left out of the comparison.
private func compareWeights(_ a: String, _ b: String, ignoring: (String) -> Bool = { _ in false }) throws -> (relative: Float, identical: Bool) {
    let x = try Checkpoint.load(a).weights, y = try Checkpoint.load(b).weights
    #expect(Set(x.keys) == Set(y.keys))
    var worst: Float = 0, identical = true
    for (k, u) in x where !ignoring(k) {
        guard let v = y[k] else { continue }
        let p = u.contiguous().scalars, q = v.contiguous().scalars
        let scale = max(p.map(abs).max() ?? 0, 1e-3)
        for (s, t) in zip(p, q) { worst = max(worst, abs(s - t) / scale); if s.bitPattern != t.bitPattern { identical = false } }
    }
    return (worst, identical)
}

struct DataParallelCase: CustomTestStringConvertible, Sendable {
    var task: String
    var args: [String]
    var testDescription: String { task }
    // Batches of 4 or more so each rank has a share; no dropout and no Dice term (those differ by design, see README).
    static let all = [
        DataParallelCase(task: "downscale", args: ["--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4",
                                                   "--patch", "16", "--batch-size", "4", "--steps-per-epoch", "3", "--epochs", "2", "--width", "8"]),
        DataParallelCase(task: "detect", args: ["--input", "datasets/weather/weather_train.nc", "--base", "4", "--depth", "2", "--patch", "16",
                                                "--batch-size", "4", "--steps-per-epoch", "3", "--epochs", "1", "--dice", "0"]),
        DataParallelCase(task: "classify", args: ["--input", "datasets/jets/jets_sample.h5", "--width", "2", "--epochs", "1", "--batch-size", "64",
                                                  "--steps-per-epoch", "3", "--dropout", "0"]),
        DataParallelCase(task: "sequence", args: ["--input", "datasets/speech/ecg.nc:ecg", "--layers", "3", "--residual", "4", "--skip", "4",
                                                  "--window", "200", "--batch-size", "4", "--steps-per-epoch", "3", "--epochs", "1"]),
    ]
}

@Suite(.serialized) struct MPIJobTests {
    @Test(arguments: DataParallelCase.all)
    func twoRanksTrainAsOne(_ job: DataParallelCase) throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try runGridcnn(["train", job.task] + job.args + ["--output", "\(dir)/one.h5", "--quiet", "--json"])
        #expect(one.status == 0, "\(one.stderr.suffix(300))")
        let two = try runGridcnn(["train", job.task] + job.args + ["--output", "\(dir)/two.h5", "--json"], ranks: 2)
        #expect(two.status == 0, "\(two.stderr.suffix(600))")
        // One report (from the first rank) and progress from the first rank only.
        #expect((try? JSONSerialization.jsonObject(with: Data(two.stdout.utf8))) != nil, "stdout: \(two.stdout.prefix(300))")
        #expect(two.stderr.components(separatedBy: "train: ").count - 1 <= 40)
        // The UNet's convolution biases feed batch norm, which removes them: their gradient is zero up to rounding,
        // and Adam scales that rounding up to full steps, differently for any other summation order.
        let (rel, _) = try compareWeights("\(dir)/one.h5", "\(dir)/two.h5") { job.task == "detect" && $0.contains(".conv") && $0.hasSuffix(".bias") }
        #expect(rel < 2e-4, "\(job.task): weights after 2 ranks differ from 1 rank by \(rel) of their scale")
    }

    @Test func twoRankRunsAreDeterministicAndResumeOnOneRank() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let job = DataParallelCase.all[0]
        let a = try runGridcnn(["train", "downscale"] + job.args + ["--output", "\(dir)/a.h5", "--quiet"], ranks: 2)
        let b = try runGridcnn(["train", "downscale"] + job.args + ["--output", "\(dir)/b.h5", "--quiet"], ranks: 2)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr.suffix(300)) \(b.stderr.suffix(300))")
        #expect(try compareWeights("\(dir)/a.h5", "\(dir)/b.h5").identical, "two 2-rank runs differ")
        // Stopped after step 4 on two ranks (the first rank saves the state), finished on one rank.
        let stopped = try runGridcnn(["train", "downscale"] + job.args + ["--output", "\(dir)/c.h5", "--stop-at-step", "4", "--quiet"], ranks: 2)
        #expect(stopped.status != 0 && FileManager.default.fileExists(atPath: "\(dir)/c.interrupted.h5"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/c.h5"))
        let resumed = try runGridcnn(["train", "downscale"] + job.args + ["--output", "\(dir)/c.h5", "--resume", "\(dir)/c.interrupted.h5", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(300))")
        #expect(try compareWeights("\(dir)/a.h5", "\(dir)/c.h5").relative < 2e-4)
    }

    @Test func aFailureEndsEveryRankWithOneMessage() throws {
        let r = try runGridcnn(["train", "downscale", "--truth", "datasets/climate/missing.nc", "--var", "tas", "--factor", "4",
                                "--output", "\(scratch())/m.h5"], ranks: 2)
        #expect(r.status != 0)
        #expect(r.errorLines.count == 1, "\(r.stderr)")
        #expect(r.errorLines.first?.contains("missing.nc") == true)
    }

    /// Steps spread over ranks, written by the first: the same values, objects and tracks as one rank.
    @Test func labelTrackAndDetectOnTwoRanksWriteWhatOneRankWrites() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (tag, ranks) in [("one", nil), ("two", 2)] as [(String, Int?)] {
            let l = try runGridcnn(["label", "--input", "datasets/weather/weather_test.nc", "--output", "\(dir)/\(tag).nc",
                                    "--objects", "\(dir)/\(tag).csv", "--quiet"], ranks: ranks)
            #expect(l.status == 0, "\(l.stderr.suffix(300))")
            let t = try runGridcnn(["track", "--input", "datasets/weather/weather_tracks.nc", "--preset", "tropical",
                                    "--output", "\(dir)/\(tag).txt", "--quiet"], ranks: ranks)
            #expect(t.status == 0, "\(t.stderr.suffix(300))")
            let d = try runGridcnn(["detect", "--model", "models/detect-unet.h5", "--input", "datasets/weather/weather_test.nc",
                                    "--output", "\(dir)/\(tag)-detect.nc", "--objects", "\(dir)/\(tag)-detect.json", "--quiet"], ranks: ranks)
            #expect(d.status == 0, "\(d.stderr.suffix(300))")
        }
        let p = try NetCDFFile(path: "\(dir)/one-detect.nc").read("class"), q = try NetCDFFile(path: "\(dir)/two-detect.nc").read("class")
        #expect(p.scalars.map(\.bitPattern) == q.scalars.map(\.bitPattern))
        #expect(try String(contentsOfFile: "\(dir)/one-detect.json", encoding: .utf8) == String(contentsOfFile: "\(dir)/two-detect.json", encoding: .utf8))
        let a = try NetCDFFile(path: "\(dir)/one.nc").read("class"), b = try NetCDFFile(path: "\(dir)/two.nc").read("class")
        #expect(a.shape == b.shape && a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        for ext in ["csv", "txt"] {
            let x = try String(contentsOfFile: "\(dir)/one.\(ext)", encoding: .utf8), y = try String(contentsOfFile: "\(dir)/two.\(ext)", encoding: .utf8)
            #expect(x == y && x.count > 100, "\(ext) differs")
        }
    }

    /// Ctrl-C to mpirun: the ranks agree to stop after the same step, the first rank saves the state, nothing is left
    /// under the final name, and the state resumes on two ranks.
    @Test func anInterruptedTwoRankRunResumes() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["train", "downscale", "--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4",
                    "--patch", "16", "--batch-size", "4", "--steps-per-epoch", "3", "--width", "8", "--epochs", "2000"]
        let stopped = try runGridcnn(args + ["--output", "\(dir)/m.h5"], signal: SIGINT, ranks: 2)
        #expect(stopped.status != 0)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/m.interrupted.h5"), "\(stopped.stderr.suffix(500))")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m.h5"))
        let state = try Checkpoint.load("\(dir)/m.interrupted.h5").trainingState
        let resumed = try runGridcnn(args + ["--output", "\(dir)/m.h5", "--resume", "\(dir)/m.interrupted.h5", "--stop-at-step", "\(state.step + 3)", "--quiet"], ranks: 2)
        #expect(resumed.stderr.contains("interrupted") || resumed.status != 0)
        #expect(try Checkpoint.load("\(dir)/m.interrupted.h5").trainingState.step == state.step + 3)
    }

    /// A rank killed outright (out of memory, a node lost) ends the job: non-zero, no checkpoint under the final name.
    @Test func aKilledRankEndsTheJob() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", gridcnn, "train", "downscale",
                       "--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4", "--epochs", "2000",
                       "--output", "\(dir)/m.h5", "--quiet"]
        p.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        // The ranks are mpirun's children: kill the second one once both run.
        var victim: Int32?
        let deadline = Date().addingTimeInterval(60)
        while victim == nil && Date() < deadline && p.isRunning {
            usleep(300_000)
            let children = try String(contentsOfFile: "/proc/\(p.processIdentifier)/task/\(p.processIdentifier)/children", encoding: .utf8)
                .split(separator: " ").compactMap { Int32($0) }
            if children.count >= 2 { usleep(1_500_000); victim = children.max() }
        }
        if let victim { kill(victim, SIGKILL) }
        p.waitUntilExit()
        #expect(victim != nil)
        #expect(p.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m.h5"))
    }

    /// Downscaling spread over ranks writes the field one rank writes.
    @Test func downscaleOnTwoRanksWritesWhatOneRankWrites() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let statics = ["--static", "datasets/climate/orog_mod1_rectilinear_grid_2D.nc:orog", "--static", "datasets/climate/sftlf_mod1_rectilinear_grid_2D.nc:sftlf"]
        let train = try runGridcnn(["train", "downscale", "--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4",
                                    "--epochs", "1", "--steps-per-epoch", "2", "--output", "\(dir)/m.h5", "--quiet"] + statics)
        let coarse = try runGridcnn(["coarsen", "--input", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas", "--factor", "4", "--output", "\(dir)/c.nc"])
        #expect(train.status == 0 && coarse.status == 0, "\(train.stderr.suffix(300)) \(coarse.stderr.suffix(300))")
        for (tag, ranks) in [("one", nil), ("two", 2)] as [(String, Int?)] {
            let r = try runGridcnn(["downscale", "--model", "\(dir)/m.h5", "--input", "\(dir)/c.nc", "--output", "\(dir)/\(tag).nc", "--quiet"] + statics, ranks: ranks)
            #expect(r.status == 0, "\(r.stderr.suffix(300))")
        }
        let a = try NetCDFFile(path: "\(dir)/one.nc").read("tas"), b = try NetCDFFile(path: "\(dir)/two.nc").read("tas")
        #expect(a.shape == [12, 96, 192] && a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
    }
}
