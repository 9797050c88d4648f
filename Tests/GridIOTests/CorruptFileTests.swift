// Bad input: missing, foreign, truncated and corrupted files give typed errors, and a seeded fuzz over header bytes
// never crashes (every variant either opens and reads or throws).
import CNetCDF
import Foundation
import Testing
@testable import GridIO

/// SplitMix64: a tiny seeded generator so fuzz variants are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Opens and exercises a file the way a user would; returns normally or throws, anything else is a bug.
func exercise(_ path: String) throws {
    let f = try NetCDFFile(path: path)
    for v in f.allVariables where v.count < 1 << 22 && v.rank <= 6 {
        if v.type.isNumeric { _ = try f.read(v.path) } else if v.type == .char { _ = try f.readText(v.path) }
        if v.rank > 0 { _ = try? f.coordinateSystem(for: v.path) }
    }
    _ = try FileSummary.make(path: path).renderText()
}

@Suite struct CorruptFileTests {
    @Test func missingAndForeignFiles() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let missing = dir.appendingPathComponent("nope.nc").path
        #expect(throws: GridIOError.fileNotFound(path: missing)) { try NetCDFFile(path: missing) }
        #expect(GridIOError.fileNotFound(path: "a.nc").description == "a.nc: no such file")
        let text = dir.appendingPathComponent("text.nc").path
        try "just some text, not a netCDF file\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: GridIOError.notNetCDF(path: text)) { try NetCDFFile(path: text) }
        let empty = dir.appendingPathComponent("empty.nc").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: GridIOError.notNetCDF(path: empty)) { try NetCDFFile(path: empty) }
        #expect(throws: GridIOError.notNetCDF(path: dir.path)) { try NetCDFFile(path: dir.path) }
        #expect(GridIOError.variableNotFound(name: "tas", available: ["pr", "psl", "uas"], path: "input.nc").description
                == "input.nc: no variable 'tas' (variables: pr, psl, uas)")
        #expect(GridIOError.variableNotFound(name: "tas", available: ["pr"], path: "input.nc").errorDescription
                == "input.nc: no variable 'tas' (variables: pr)")
    }

    @Test(arguments: ["nc3", "nc4"])
    func truncatedFiles(kind: String) throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let good = try generate("coords", kind: kind, in: dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        try exercise(good)
        // Cut inside the header, and just before the end (inside the data).
        for keep in [64, bytes.count / 2, bytes.count - 4] {
            let path = dir.appendingPathComponent("cut-\(keep).nc").path
            try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
            #expect(throws: GridIOError.self) { try exercise(path) }
            do { try exercise(path) } catch let error as GridIOError {
                guard case .truncatedOrCorrupt(let p, _) = error else { Issue.record("\(kind) cut at \(keep): \(error)"); continue }
                #expect(p == path)
            }
        }
    }

    @Test func truncatedRealSample() throws {
        let sample = nugDirectory + "/tas_rectilinear_grid_2D.nc"
        guard FileManager.default.fileExists(atPath: sample) else { print("skipped: \(sample) absent"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("tas.nc").path
        try (try Data(contentsOf: URL(fileURLWithPath: sample))).prefix(400_000).write(to: URL(fileURLWithPath: path))
        // libnetcdf alone would read the missing records as zeros; the header size check catches it.
        #expect { try NetCDFFile(path: path) } throws: { error in
            guard case GridIOError.truncatedOrCorrupt(_, let detail)? = error as? GridIOError else { return false }
            return detail.contains("400000 bytes")
        }
    }

    @Test func corruptedCompressedChunk() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("deflated.nc").path
        let w = try NetCDFWriter(path: path)
        try w.defineDimension("x", length: 4096)
        try w.defineVariable(NCVariableDefinition(name: "v", dimensions: ["x"], deflateLevel: 9))
        try w.write("v", doubles: (0..<4096).map { sin(Double($0)) })
        try w.finish()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The compressed chunk is the bulk of the file; scribble over its middle.
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 512, by: 1) { bytes[i] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: GridIOError.self) {
            let f = try NetCDFFile(path: path)
            _ = try f.read("v")
        }
    }

    /// ~200 seeded variants per format with 1-8 header bytes replaced, bit-flipped or the file cut short.
    @Test(arguments: ["nc3", "nc6", "nc4"])
    func fuzzHeaders(kind: String) throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try generate(kind == "nc4" ? "groups" : "classictypes", kind: kind, in: dir))))
        let variants = Int(ProcessInfo.processInfo.environment["GRIDIO_FUZZ_VARIANTS"] ?? "") ?? 200
        var rng = SplitMix64(state: 0xC0FFEE ^ UInt64(kind.hashValue & 0xFF == 0 ? 1 : kind.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        let headerLength = min(original.count, kind == "nc4" ? 2048 : 400)
        var opened = 0, rejected = 0
        for variant in 0..<variants {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<headerLength, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes[i] = 0xFF
                default: bytes[i] = 0
                }
            }
            if Int.random(in: 0..<10, using: &rng) == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }
            let path = dir.appendingPathComponent("fuzz-\(variant).nc").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do { try exercise(path); opened += 1 } catch is GridIOError { rejected += 1 }
            try? FileManager.default.removeItem(atPath: path)
        }
        #expect(opened + rejected == variants)
        #expect(rejected > 0)
    }

    /// Byte edits of ncgen's groups.cdl output that make libhdf5 1.10.8 / libnetcdf 4.9.0 segfault or abort (found by
    /// fuzzing; ncdump crashes on them too). GridIO's probe process turns each into a typed error.
    static let libraryCrashers: [[(offset: Int, byte: UInt8)]] = [
        [(2464, 2), (3515, 32), (2073, 42)],
        [(3940, 64), (2198, 64)],
        [(2358, 255), (1585, 0), (2257, 0), (2416, 0), (2058, 10), (3620, 255)],
        [(3604, 0), (2073, 32)],
    ]

    @Test func netCDF4FilesThatCrashTheLibrary() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try generate("groups", kind: "nc4", in: dir))))
        let knownVersion = String(cString: nc_inq_libvers()).hasPrefix("4.9.0")
        for (i, edits) in Self.libraryCrashers.enumerated() {
            var bytes = original
            for e in edits where e.offset < bytes.count { bytes[e.offset] = e.byte }
            let path = dir.appendingPathComponent("crasher-\(i).nc").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                try exercise(path)
                #expect(!knownVersion, "crasher \(i) opened")
            } catch let error as GridIOError {
                guard case .truncatedOrCorrupt = error else { Issue.record("crasher \(i): \(error)"); continue }
            }
        }
    }
}

