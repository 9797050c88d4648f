// CF masking/unpacking (Fixtures/cfmasks.cdl), coordinate detection (coords.cdl) and NetCDF-4 groups (groups.cdl).
import Foundation
import Testing
@testable import GridIO

/// Compares with NaN == NaN.
func sameValues(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in (x.isNaN && y.isNaN) || abs(x - y) <= tolerance * max(1, abs(y)) }
}

@Suite struct CFDecodingTests {
    static let nan = Double.nan
    static let cases: [(String, [Double])] = [
        ("packed", [100, 101, nan, nan, 100.01, 99]),            // scale/offset; _FillValue and missing_value masked
        ("fillIsRaw", [10, nan, 40, 0, 2, 4]),                   // raw 5 unpacks to 10 (the fill's number) but stays
        ("rangePacked", [nan, 0, 25, 50, nan, 10]),              // valid_range of the packed type: raw units
        ("rangeUnpacked", [nan, 0, 5, 10, nan, 2]),              // valid_range of another type: unpacked units
        ("minmax", [nan, -1, 0, 1, nan, 0.5]),                   // valid_min / valid_max
        ("unsignedBytes", [0, 1, 127, 128, 254, nan]),           // _Unsigned = "true", fill -1b = 255
        ("noFill", [1, 2, 3, nan, nan, 6]),                      // the library's default fill counts as missing
        ("nanFill", [1, nan, 3, 4, 5, 6]),
    ]

    @Test func masksAndPacking() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let f = try NetCDFFile(path: try generate("cfmasks", kind: "nc3", in: dir))
        for (name, want) in Self.cases {
            let got = try f.readDoubles(name)
            #expect(sameValues(got, want), "\(name): \(got)")
            let floats = try f.read(name).scalars.map(Double.init)
            #expect(sameValues(floats, want, tolerance: 1e-6), "\(name) as Float: \(floats)")
        }
        #expect(try f.readDoubles("packed", decode: false) == [0, 100, -32767, -32766, 1, -100])
        let p = CFPacking(variable: try f.variable("rangeUnpacked"))
        #expect(p.validRangeIsUnpacked && p.scaleFactor == 0.5)
    }

    @Test func coordinateDetection() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        for kind in ["nc3", "nc4"] {
            let f = try NetCDFFile(path: try generate("coords", kind: kind, in: dir))
            let cs = try f.coordinateSystem(for: "ta")
            #expect(cs.dimensionCoordinates.map { $0?.kind } == [.time, .vertical, .projectionY, .projectionX])
            #expect(cs.dimensionCoordinates.map { $0?.axis } == [.t, .z, .y, .x])
            #expect(cs.latitude?.name == "lat" && cs.latitude?.isAuxiliary == true && cs.latitude?.dimensions == ["y", "x"])
            #expect(cs.longitude?.name == "lon")
            #expect(cs.gridMapping?.variable == "crs" && cs.gridMapping?.name == "lambert_conformal_conic")
            #expect(try f.times("time") == [CFDate(year: 2001, month: 2, day: 28, hour: 18), CFDate(year: 2001, month: 3, day: 1),
                                            CFDate(year: 2001, month: 3, day: 1, hour: 6)])
            let lat = try f.read("lat")
            #expect(lat.shape == [3, 4] && approxEqual(lat[2, 3], 52.3))
            #expect(try f.read("ta", start: [2, 1, 2, 3], count: [1, 1, 1, 1]).item.isNaN)
        }
    }

    @Test func netCDF4Groups() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let f = try NetCDFFile(path: try generate("groups", kind: "nc4", in: dir))
        #expect(f.format == .netCDF4)
        #expect(f.root.groups.map(\.name) == ["model"])
        #expect(f.root.groups[0].groups.map(\.path) == ["model/inner"])
        let top = try f.variable("top")
        #expect(top.chunkSizes == [5] && top.deflateLevel == 5 && top.shuffle)
        #expect(top.attribute("tags") == .strings(["alpha", "beta"]))
        #expect(top.attribute("ints64") == .ints([1_099_511_627_776]))
        #expect(top.attributes.first { $0.name == "uns" }?.type == .ubyte)
        let state = try f.variable("model/state")
        #expect(state.shape == [2, 5] && state.dimensions[0].isUnlimited && state.chunkSizes == [1, 5])
        #expect(try f.read("model/state", start: [1, 0], count: [1, 5]).scalars == [6, 7, 8, 9, 10])
        #expect(try f.read("model/inner/deep").scalars == [10, 20, 30, 40, 50])
        #expect(f.root.groups[0].groups[0].attributes.first?.value == .text("nesting"))
        #expect(throws: GridIOError.variableNotFound(name: "state", available: ["top", "model/state", "model/inner/deep"], path: f.path)) {
            try f.variable("state")
        }
        // Streaming in a group: the unlimited dimension is the time axis.
        let reader = try f.timeSteps(of: "model/state")
        var rows: [[Float]] = []
        while let step = try reader.next() { rows.append(step.data.scalars) }
        #expect(rows == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
        #expect(reader.cacheBytes >= 1 << 20)
    }

    @Test func hyperslabValidation() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let f = try NetCDFFile(path: try generate("coords", kind: "nc4", in: dir))
        #expect(try f.read("ta", start: [0, 0, 0, 1], count: [3, 2, 2, 2], stride: [1, 1, 2, 2]).shape == [3, 2, 2, 2])
        #expect(try f.read("ta", start: [0, 0, 0, 1], count: [1, 1, 1, 2], stride: [1, 1, 1, 2]).scalars == [1, 3])
        for (start, count, stride) in [([0, 0, 0], [1, 1, 1], [1, 1, 1]), ([0, 0, 0, 4], [1, 1, 1, 1], [1, 1, 1, 1]),
                                       ([0, 0, 0, 0], [1, 1, 1, 3], [1, 1, 1, 2]), ([0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]),
                                       ([-1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1])] {
            #expect(throws: GridIOError.self) { try f.read("ta", start: start, count: count, stride: stride) }
        }
    }
}
