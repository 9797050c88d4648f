// The multi-file dataset: ordering by decoded time across files with different units and calendars, gaps and
// overlaps reported, globs and list files, windows across file boundaries, coordinates and conventions.
import XCTest
import GridTensor
@testable import GridIO

final class GridDatasetTests: XCTestCase {
    /// Writes a (time, lat, lon) file whose step k holds the value values[k] everywhere.
    @discardableResult
    func writeSeries(_ path: String, units: String, calendar: String?, times: [Double], values: [Float],
                     lat: [Double] = [-10, 0, 10], lon: [Double] = [0, 90, 180, 270], varUnits: String = "K") throws -> String {
        let w = try NetCDFWriter(path: path)
        try w.defineDimension("time", length: nil)
        try w.defineDimension("lat", length: lat.count)
        try w.defineDimension("lon", length: lon.count)
        var t = NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: units)
        t.fillValue = nil
        if let calendar { t.attributes = [NCAttribute("calendar", .text(calendar))] }
        try w.defineVariable(t)
        for (name, values, u) in [("lat", lat, "degrees_north"), ("lon", lon, "degrees_east")] {
            var d = NCVariableDefinition(name: name, dimensions: [name], type: .double, units: u)
            d.fillValue = nil
            try w.defineVariable(d)
            try w.write(name, doubles: values)
        }
        try w.defineVariable(NCVariableDefinition(name: "tas", dimensions: ["time", "lat", "lon"], units: varUnits))
        for (time, v) in zip(times, values) {
            try w.append("tas", Tensor(repeating: v, shape: [lat.count, lon.count]), time: time)
        }
        try w.finish()
        return path
    }

    func testFilesOrderedByDecodedTimeAcrossUnitsAndCalendarNames() throws {
        let dir = makeScratchDirectory(); defer { removeScratch(dir) }
        // Given out of order, with different units and reference dates; "gregorian" and "standard" are one calendar.
        let b = try writeSeries(dir.appendingPathComponent("b.nc").path, units: "hours since 2000-01-03 00:00:00", calendar: "gregorian",
                                times: [0, 24], values: [3, 4])              // 2000-01-03, 2000-01-04
        let a = try writeSeries(dir.appendingPathComponent("a.nc").path, units: "days since 1999-12-31", calendar: "standard",
                                times: [1, 2], values: [1, 2])               // 2000-01-01, 2000-01-02
        let c = try writeSeries(dir.appendingPathComponent("c.nc").path, units: "seconds since 2000-01-05", calendar: nil,
                                times: [0, 86400], values: [5, 6])           // 2000-01-05, 2000-01-06
        let ds = try GridDataset([c, b, a])
        XCTAssertEqual(ds.paths, [a, b, c])
        XCTAssertEqual(ds.count, 6)
        XCTAssertEqual(ds.dates?.map(\.day), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try ds.readAll().scalars.enumerated().filter { $0.offset % 12 == 0 }.map(\.element), [1, 2, 3, 4, 5, 6])
        XCTAssertTrue(ds.gaps.isEmpty); XCTAssertTrue(ds.overlaps.isEmpty); XCTAssertTrue(ds.warnings.isEmpty)
        // A window across the a/b and b/c boundaries reads from three files.
        let win = try ds.window(steps: 1..<5, y: 1..<3, x: 2..<4)
        XCTAssertEqual(win.shape, [4, 2, 2])
        XCTAssertEqual(win.scalars.enumerated().filter { $0.offset % 4 == 0 }.map(\.element), [2, 3, 4, 5])
        XCTAssertEqual(try ds.read(steps: [5, 0, 3]).scalars.enumerated().filter { $0.offset % 12 == 0 }.map(\.element), [6, 1, 4])
        XCTAssertEqual(ds.latitudeOrder, .southToNorth)
        XCTAssertEqual(ds.longitudeConvention, .positive)
        XCTAssertEqual(ds.latitudes, [-10, 0, 10])
        XCTAssertEqual(ds.steps(ofMember: 1), [2, 3])
    }

    func testNoLeapCalendarDecodedInItsOwnDays() throws {
        let dir = makeScratchDirectory(); defer { removeScratch(dir) }
        // In noleap, day 59 after 2001-01-01 is 03-01 and 2004-02-28 + 1 day is 03-01 (no 29th).
        let a = try writeSeries(dir.appendingPathComponent("a.nc").path, units: "days since 2004-02-27", calendar: "noleap",
                                times: [0, 1], values: [1, 2])
        let b = try writeSeries(dir.appendingPathComponent("b.nc").path, units: "days since 2004-01-01", calendar: "365_day",
                                times: [59, 60], values: [3, 4])
        let ds = try GridDataset([b, a])
        XCTAssertEqual(ds.dates?.map(\.iso8601), ["2004-02-27T00:00:00", "2004-02-28T00:00:00", "2004-03-01T00:00:00", "2004-03-02T00:00:00"])
        XCTAssertTrue(ds.gaps.isEmpty, "no Feb 29 in noleap, so no gap: \(ds.gaps)")
        // The same day numbers in the standard calendar would leave 2004-02-29 out: a gap.
        let c = try writeSeries(dir.appendingPathComponent("c.nc").path, units: "days since 2004-02-27", calendar: "standard",
                                times: [0, 1], values: [1, 2])
        let d = try writeSeries(dir.appendingPathComponent("d.nc").path, units: "days since 2004-01-01", calendar: "standard",
                                times: [60, 61], values: [3, 4])
        let g = try GridDataset([c, d])
        XCTAssertEqual(g.gaps, [DatasetGap(after: CFDate(year: 2004, month: 2, day: 28), before: CFDate(year: 2004, month: 3, day: 1), missingSteps: 1)])
        // Mixing calendars is refused in one line.
        XCTAssertThrowsError(try GridDataset([a, c])) { e in
            XCTAssertTrue("\(e)".contains("calendar standard differs"), "\(e)")
        }
    }

    func testGapAndOverlapReported() throws {
        let dir = makeScratchDirectory(); defer { removeScratch(dir) }
        let a = try writeSeries(dir.appendingPathComponent("y1.nc").path, units: "days since 2000-01-01", calendar: "standard",
                                times: [0, 1, 2, 3], values: [0, 1, 2, 3])
        // Overlaps a by two days (2 and 3), with other values: the earlier file's values are kept.
        let b = try writeSeries(dir.appendingPathComponent("y2.nc").path, units: "days since 2000-01-01", calendar: "standard",
                                times: [2, 3, 4, 5], values: [20, 30, 4, 5])
        // Starts after a three-day gap (days 6, 7, 8 missing).
        let c = try writeSeries(dir.appendingPathComponent("y3.nc").path, units: "days since 2000-01-01", calendar: "standard",
                                times: [9, 10], values: [9, 10])
        let ds = try GridDataset([dir.appendingPathComponent("y*.nc").path])
        XCTAssertEqual(ds.count, 8)
        XCTAssertEqual(try ds.readAll().scalars.enumerated().filter { $0.offset % 12 == 0 }.map(\.element), [0, 1, 2, 3, 4, 5, 9, 10])
        XCTAssertEqual(ds.overlaps, [DatasetOverlap(earlier: a, later: b, from: CFDate(year: 2000, month: 1, day: 3),
                                                    to: CFDate(year: 2000, month: 1, day: 4), duplicateSteps: 2)])
        XCTAssertEqual(ds.gaps, [DatasetGap(after: CFDate(year: 2000, month: 1, day: 6), before: CFDate(year: 2000, month: 1, day: 10), missingSteps: 3)])
        XCTAssertEqual(ds.warnings.count, 2)
        XCTAssertEqual(ds.steps(ofMember: 2), [6, 7])
        XCTAssertEqual(ds.paths.last, c)
        let (s, e) = try CFDate.parsePeriod("2000-01-03:2000-01-05")
        XCTAssertEqual(try ds.steps(from: s, through: e), [2, 3, 4])
        let (s2, e2) = try CFDate.parsePeriod("2000:2000")
        XCTAssertEqual(try ds.steps(from: s2, through: e2).count, 8)
        XCTAssertThrowsError(try CFDate.parsePeriod("2000-13:2001"))
        XCTAssertThrowsError(try CFDate.parsePeriod("2001:2000"))
    }

    func testGlobMatchingNothingAndListFiles() throws {
        let dir = makeScratchDirectory(); defer { removeScratch(dir) }
        let pattern = dir.appendingPathComponent("tas_*.nc").path
        XCTAssertThrowsError(try GridDataset([pattern])) { e in
            XCTAssertEqual("\(e)", "\(pattern): no file matches this pattern")
        }
        let a = try writeSeries(dir.appendingPathComponent("tas_1.nc").path, units: "days since 2000-01-01", calendar: nil, times: [0], values: [1])
        _ = try writeSeries(dir.appendingPathComponent("tas_2.nc").path, units: "days since 2000-01-01", calendar: nil, times: [1], values: [2])
        let list = dir.appendingPathComponent("files.txt")
        try "# two years\ntas_2.nc\n\ntas_1.nc  # first\n".write(to: list, atomically: true, encoding: .utf8)
        let ds = try GridDataset(["@" + list.path])
        XCTAssertEqual(ds.paths, [a, dir.appendingPathComponent("tas_2.nc").path])
        XCTAssertEqual(ds.count, 2)
        try "# nothing\n".write(to: list, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GridDataset(["@" + list.path])) { e in XCTAssertTrue("\(e)".contains("list file names no files")) }
    }

    func testFilesThatDisagreeAreRefused() throws {
        let dir = makeScratchDirectory(); defer { removeScratch(dir) }
        let a = try writeSeries(dir.appendingPathComponent("a.nc").path, units: "days since 2000-01-01", calendar: nil, times: [0], values: [1])
        let b = try writeSeries(dir.appendingPathComponent("b.nc").path, units: "days since 2000-01-01", calendar: nil, times: [1], values: [1], varUnits: "degC")
        let c = try writeSeries(dir.appendingPathComponent("c.nc").path, units: "days since 2000-01-01", calendar: nil, times: [1], values: [1],
                                lat: [-10, 0, 11])
        let d = try writeSeries(dir.appendingPathComponent("d.nc").path, units: "days since 2000-01-01", calendar: nil, times: [1], values: [1],
                                lat: [0, 10])
        XCTAssertThrowsError(try GridDataset([a, b])) { XCTAssertTrue("\($0)".contains("is in degC but"), "\($0)") }
        XCTAssertThrowsError(try GridDataset([a, c])) { XCTAssertTrue("\($0)".contains("'lat' coordinates differ"), "\($0)") }
        XCTAssertThrowsError(try GridDataset([a, d])) { XCTAssertTrue("\($0)".contains("2x4 grid but"), "\($0)") }
    }
}
