// Helpers shared by the GridIO tests: scratch directories, running ncgen/python, fixture paths.
import Foundation
@testable import GridIO

/// A fresh directory under the system temp directory, removed by the caller's `defer`.
func makeScratchDirectory(_ label: String = #function) -> URL {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gridio-\(safe)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeScratch(_ url: URL) { try? FileManager.default.removeItem(at: url) }

/// The first existing executable among `candidates`.
func tool(_ candidates: String...) -> String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

/// Runs a program, returning (exit status, stdout+stderr).
@discardableResult
func runTool(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    if let input {
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    } else {
        try process.run()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let ncgenPath = tool("/usr/bin/ncgen", "/usr/local/bin/ncgen")
let pythonPath = tool("/usr/bin/python3", "/usr/local/bin/python3")
let nugDirectory = "/usr/share/ncarg/data/nug"
let cdfDirectory = "/usr/share/ncarg/data/cdf"

/// Turns Fixtures/<name>.cdl into a .nc of `kind` (ncgen -k: "nc3", "nc6" 64-bit offset, "nc4", "nc5" CDF-5) in `directory`.
func generate(_ name: String, kind: String = "nc4", in directory: URL) throws -> String {
    guard let ncgen = ncgenPath else { throw GridIOError.invalidArgument(detail: "ncgen not installed") }
    let out = directory.appendingPathComponent("\(name)-\(kind).nc").path
    let result = try runTool(ncgen, ["-k", kind, "-o", out, fixturesDirectory.appendingPathComponent("\(name).cdl").path])
    guard result.status == 0 else { throw GridIOError.invalidArgument(detail: "ncgen failed: \(result.output)") }
    return out
}

/// True when `python3 -c "import <module>"` works.
func pythonHas(_ module: String) -> Bool {
    guard let python = pythonPath, let r = try? runTool(python, ["-c", "import \(module)"]) else { return false }
    return r.status == 0
}

func approxEqual(_ a: Float, _ b: Float, tolerance: Float = 1e-4) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }
