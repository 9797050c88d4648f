// Hostile files: the fuzzing reproducers of issue 22 (byte edits of files in the repository) end in typed errors,
// never a signal or a hang, and a header declaring 10^12 values is refused before anything is allocated.
import Foundation
import Testing
@testable import GridIO

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Writes `base` (relative to the repository root) with `edits` (offset: new byte) applied into `directory`.
func mutatedCopy(_ base: String, _ edits: [Int: UInt8], in directory: URL, name: String) throws -> String {
    var bytes = [UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent(base)))
    for (offset, value) in edits { bytes[offset] = value }
    let path = directory.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite struct HostileFileTests {
    /// Reproducers 1, 2 and 7 of issue 22 (`gridcnn info F --json`): a SIGSEGV in memcpy, a read that ran for ever
    /// in H5D__fill_init (a dimension of 1.9e9 makes 3.4e14 values), and a metadata walk that looped in the global heap.
    /// The first claims chunks of 590080 over a fixed dimension of 7000; libhdf5 crashed on it or, with other memory
    /// around it (once in CI), returned garbage, so the header is now refused before any read.
    @Test(arguments: [
        ("datasets/jets/jets_sample.h5", [806: 0x29, 989: 0x09, 2289: 0xfc, 2312: 0x0b] as [Int: UInt8]),
        ("datasets/jets/jets_sample.h5", [851: 0x74, 2424: 0xd0]),
        ("datasets/weather/weather_test.nc", [11297: 0xff, 13132: 0x2c, 350046: 0xa7, 860920: 0x96]),
    ])
    func issueReproducers(base: String, edits: [Int: UInt8]) throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = try mutatedCopy(base, edits, in: dir, name: "mutated" + (base.hasSuffix(".nc") ? ".nc" : ".h5"))
        let start = Date()
        try IsolatedReader.$timeLimitOverride.withValue(3) {
            #expect(throws: GridIOError.self) { _ = try FileSummary.make(path: path).renderText() }
        }
        #expect(Date().timeIntervalSince(start) < 15)
        // The sound file still summarises: the isolation changes where libhdf5 runs, not what it returns.
        _ = try FileSummary.make(path: repositoryRoot.appendingPathComponent(base).path)
    }

    /// What libhdf5 does on a corrupt file depends on the memory around it, so the isolation itself is tested with
    /// faults injected into the reader child: a crash and an endless loop each become a typed error, and the file's
    /// later reads fail at once instead of forking again.
    @Test(arguments: [false, true])
    func readerFaultsAreTypedAndFinal(spin: Bool) throws {
        let file = try NetCDFFile(path: repositoryRoot.appendingPathComponent("datasets/weather/weather_test.nc").path)
        let before = try file.read("lat")
        let reader = try #require(file.reader)
        let start = Date()
        try IsolatedReader.$timeLimitOverride.withValue(1) {
            #expect { try reader.injectFault(spin: spin) } throws: { error in
                guard case GridIOError.truncatedOrCorrupt(_, let detail)? = error as? GridIOError else { return false }
                return detail.contains(spin ? "did not finish in 1 s" : "crashed a test fault (signal 11)")
            }
        }
        #expect(Date().timeIntervalSince(start) < 12)
        #expect(throws: GridIOError.self) { _ = try file.read("lat") }
        // A new open of the same file reads again, the same values.
        #expect(try NetCDFFile(path: file.path).read("lat").scalars == before.scalars)
    }

    @Test func absurdDeclaredSizeRefusedBeforeAllocation() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        // 10^6 x 10^6 = 10^12 points; netCDF-4 chunked storage makes such a header only a few kilobytes.
        let cdl = dir.appendingPathComponent("huge.cdl")
        try """
        netcdf huge {
        dimensions: y = 1000000 ; x = 1000000 ;
        variables: float v(y, x) ; v:_ChunkSizes = 1, 1000 ; float small(x) ; small:_ChunkSizes = 1000 ;
        }
        """.write(to: cdl, atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("huge.nc").path
        let made = try runTool(ncgenPath!, ["-k", "nc4", "-o", path, cdl.path])
        #expect(made.status == 0, "\(made.output)")
        let file = try NetCDFFile(path: path)
        let refused = GridIOError.absurdSize(name: "v", values: 1_000_000_000_000, path: path)
        #expect(throws: refused) { _ = try file.read("v", start: [0, 0], count: [1, 10]) }
        #expect(throws: refused) { _ = try file.timeSteps(of: "v").next() }
        #expect(throws: refused) { _ = try FileSummary.make(path: path, variable: "v") }
        #expect(refused.description.contains("declares 1000000000000 values"))
        // A sound variable of the same file still reads (10^6 values, all fill).
        #expect(try file.read("small").shape == [1_000_000])
    }
}
