// Fuzzing reproducers that reach the jobs (past GridIO's checks): byte edits of files in the repository that once
// crashed a job and must now end in its output or a one-line error.
import Foundation
import Testing
import GridIO
@testable import GridTasks

@Suite struct HostileInputTests {
    /// A variable named like the longitude dimension but defined over another dimension (lon(nb2)) is not a
    /// coordinate variable: coarsen read its 2 values as 192 longitudes and trapped (fuzz campaign seed 41, #2658).
    @Test func coordinateNamedLikeADimensionButOverAnother() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("datasets/climate/tas_rectilinear_grid_2D.nc")))
        for offset in 4862...4874 { bytes[offset] = 0xff }
        bytes[6327] = 1; bytes[158349] = 163
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("tas.nc").path
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        #expect(try NetCDFFile(path: input).variable("lon").dimensions.map(\.name) == ["nb2"], "the edit no longer makes the case")
        var r = CoarsenRequest(input: input, factor: 4, output: dir.appendingPathComponent("coarse.nc").path)
        r.variable = "tas"
        let (steps, h, w) = try Coarsening.run(r)
        #expect(steps == 12 && h == 24 && w == 48)
        // Not a coordinate variable, so not copied as one.
        #expect(!(try NetCDFFile(path: r.output.path).hasVariable("lon")))
    }
}
