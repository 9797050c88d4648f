// FileSummary (behind `gridcnn info`): statistics over valid decoded values, streamed reads, text and JSON output.
import Foundation
import Testing
@testable import GridIO

@Suite struct SummaryTests {
    @Test func statisticsAfterMaskingAndUnpacking() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = try generate("cfmasks", kind: "nc3", in: dir)
        let s = try FileSummary.make(path: path)
        let packed = try #require(s.variables["packed"])
        #expect(packed.min == 99 && packed.max == 101 && packed.missing == 2 && packed.valid == 4)
        #expect(abs(packed.mean! - 100.0025) < 1e-9)
        #expect(s.variables["unsignedBytes"]?.max == 254)
        #expect(s.dimensions == ["x": 6])
        let one = try FileSummary.make(path: path, variable: "minmax")
        #expect(Array(one.variables.keys) == ["minmax"] && one.variables["minmax"]?.missing == 2)
        #expect(throws: GridIOError.self) { try FileSummary.make(path: path, variable: "nope") }
    }

    @Test func jsonAndTextRendering() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = try generate("coords", kind: "nc4", in: dir)
        let s = try FileSummary.make(path: path)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(s.renderJSON().utf8)) as? [String: Any])
        #expect((json["dimensions"] as? [String: Int]) == ["time": 3, "plev": 2, "y": 3, "x": 4])
        let ta = try #require((json["variables"] as? [String: Any])?["ta"] as? [String: Any])
        #expect(ta["dims"] as? [String] == ["time", "plev", "y", "x"])
        #expect(ta["shape"] as? [Int] == [3, 2, 3, 4])
        #expect(ta["units"] as? String == "K")
        #expect(ta["min"] as? Double == 0 && ta["max"] as? Double == 70 && ta["missing"] as? Int == 1)
        #expect(abs((ta["mean"] as? Double ?? 0) - 35) < 1e-9)
        #expect(s.time?.start == "2001-02-28T18:00:00" && s.time?.end == "2001-03-01T06:00:00" && s.time?.steps == 3)
        #expect(s.coordinates["lat"]?.min == Double(Float(50)) && s.coordinates["lat"]?.kind == "latitude")
        let text = s.renderText()
        #expect(text.contains("\ttime = UNLIMITED ; // (3 currently)"))
        #expect(text.contains("float ta(time, plev, y, x) ; // min 0, max 70, mean 35 K; missing 1 of 72"))
        #expect(text.contains("\t\tta:coordinates = \"lat lon\" ;"))
        #expect(text.contains("time span: 2001-02-28T18:00:00 to 2001-03-01T06:00:00, 3 steps"))
    }

    @Test func streamedStatisticsMatchWholeReads() throws {
        let sample = nugDirectory + "/tas_rectilinear_grid_2D.nc"
        guard FileManager.default.fileExists(atPath: sample) else { print("skipped: \(sample) absent"); return }
        let whole = try FileSummary.make(path: sample, variable: "tas")
        let streamed = try FileSummary.make(path: sample, variable: "tas", valuesPerRead: 100)  // 100 values: row by row
        let steps = try FileSummary.make(path: sample, variable: "tas", valuesPerRead: 96 * 192)  // one step at a time
        let (a, b) = (try #require(whole.variables["tas"]), try #require(streamed.variables["tas"]))
        // netCDF4-python: min 203.96768, max 317.22647, mean 278.72301118213824, nothing masked.
        #expect(abs(a.min! - 203.96768) < 1e-4 && abs(a.max! - 317.22647) < 1e-4 && abs(a.mean! - 278.72301118213824) < 1e-6)
        #expect(a.missing == 0 && a.valid == 12 * 96 * 192)
        #expect(a.min == b.min && a.max == b.max && abs(a.mean! - b.mean!) < 1e-9 && a.valid == b.valid)
        #expect(steps.variables["tas"]?.valid == a.valid && abs(steps.variables["tas"]!.mean! - a.mean!) < 1e-9)
        #expect(whole.time?.start == "2005-01-16T12:00:00" && whole.time?.calendar == "proleptic_gregorian")
    }
}
