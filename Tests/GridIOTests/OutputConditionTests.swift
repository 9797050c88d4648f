// Hostile conditions for outputs: a full disk (a file-size limit), a read-only folder and two writers of one output
// end cleanly, with what the user had intact and no temporary left; a temporary abandoned by a killed run is removed
// by the next write of that name. The first three run the gridcnn binary, as a user would meet them.
import Foundation
import Testing
@testable import GridIO

private let gridcnn = repositoryRoot.appendingPathComponent(".build/release/gridcnn").path
private let tas = repositoryRoot.appendingPathComponent("datasets/climate/tas_rectilinear_grid_2D.nc").path

private func temporaries(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.contains(".tmp-") }
}

private func oneLine(_ output: String) -> Bool { output.split(separator: "\n", omittingEmptySubsequences: true).count == 1 }

@Suite struct OutputConditionTests {
    /// A write that hits the limit (64 KiB; the outputs are 143 and 391 KB) fails with one line, exit 1, the old file
    /// byte for byte as it was and no temporary: SIGXFSZ is ignored, so write(2) reports EFBIG to the writer.
    @Test(arguments: ["netcdf", "checkpoint"])
    func fullDisk(output kind: String) throws {
        guard FileManager.default.isExecutableFile(atPath: gridcnn) else { print("skipped: \(gridcnn) not built"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let out = dir.appendingPathComponent(kind == "netcdf" ? "out.nc" : "model.h5").path
        let old = Data("what the user had\n".utf8)
        try old.write(to: URL(fileURLWithPath: out))
        let command = kind == "netcdf"
            ? "coarsen --input \"$1\" --var tas --factor 2 --output \"$2\" --overwrite --quiet"
            : "train downscale --truth \"$1\" --var tas --factor 4 --epochs 1 --steps-per-epoch 1 --out \"$2\" --overwrite --quiet"
        let r = try runTool("/bin/bash", ["-c", "ulimit -f 64; exec \"$0\" \(command)", gridcnn, tas, out])
        #expect(r.status == 1, "\(r.output)")
        #expect(oneLine(r.output), "\(r.output)")
        // The message names the file that could not be written: the output, or (training) its resumable state beside it.
        let state = String(out.dropLast(3)) + ".interrupted.h5"
        #expect(r.output.contains(out) || (kind == "checkpoint" && r.output.contains(state)), "\(r.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == old)
        #expect(temporaries(dir).isEmpty, "\(temporaries(dir))")
    }

    /// As root permissions are not enforced, so the run drops to nobody (setpriv) to meet the read-only folder.
    @Test func readOnlyFolder() throws {
        guard FileManager.default.isExecutableFile(atPath: gridcnn) else { print("skipped: \(gridcnn) not built"); return }
        let asUser = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        if !asUser.isEmpty && !FileManager.default.isExecutableFile(atPath: asUser[0]) { print("skipped: no setpriv"); return }
        let dir = makeScratchDirectory()
        defer { _ = chmod(dir.path, 0o755); removeScratch(dir) }
        let out = dir.appendingPathComponent("out.nc").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: out))
        #expect(chmod(dir.path, 0o555) == 0)
        let argv = asUser + [gridcnn, "coarsen", "--input", tas, "--var", "tas", "--factor", "2", "--output", out, "--overwrite", "--quiet"]
        let r = try runTool(argv[0], Array(argv.dropFirst()))
        #expect(r.status == 1, "\(r.output)")
        #expect(oneLine(r.output) && r.output.contains("not writable"), "\(r.output)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "old")
        #expect(temporaries(dir).isEmpty)
    }

    /// Two processes write one output at once (factors 2 and 3, so the results differ in shape): both succeed, and
    /// the file is one of the two results whole, never a mix.
    @Test func twoWritersOneOutput() throws {
        guard FileManager.default.isExecutableFile(atPath: gridcnn) else { print("skipped: \(gridcnn) not built"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let out = dir.appendingPathComponent("out.nc").path
        for _ in 0..<3 {
            let writers = [2, 3].map { factor -> Process in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: gridcnn)
                p.arguments = ["coarsen", "--input", tas, "--var", "tas", "--factor", "\(factor)", "--output", out, "--overwrite", "--quiet"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                return p
            }
            for p in writers { try p.run() }
            for p in writers { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
            let shape = try NetCDFFile(path: out).variable("tas").shape
            #expect([[12, 48, 96], [12, 32, 64]].contains(shape), "\(shape)")
            _ = try NetCDFFile(path: out).read("tas")
            #expect(temporaries(dir).isEmpty)
        }
    }

    @Test func abandonedTemporaryRemovedWhenItsProcessIsGone() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier, alive = getpid()
        let names = [".out.nc.tmp-\(dead)-1", ".out.nc.tmp-\(dead)", ".out.nc.tmp-\(alive)-999", ".other.nc.tmp-\(dead)-1", ".out.nc.tmp-x-1"]
        for n in names { try Data("partial".utf8).write(to: dir.appendingPathComponent(n)) }
        let w = try NetCDFWriter(path: dir.appendingPathComponent("out.nc").path)
        try w.defineDimension("x", length: 3)
        try w.defineVariable(NCVariableDefinition(name: "v", dimensions: ["x"]))
        try w.write("v", doubles: [1, 2, 3])
        try w.finish()
        // The killed run's leftovers of this name are gone; a live process's, another name's and a foreign file stay.
        #expect(Set(temporaries(dir)) == [".out.nc.tmp-\(alive)-999", ".other.nc.tmp-\(dead)-1", ".out.nc.tmp-x-1"])
    }
}
