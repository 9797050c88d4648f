// Real files shipped with NCL (libncarg-data): values checked against what ncdump/netCDF4-python print.
import Foundation
import Testing
@testable import GridIO

@Suite struct SampleFileTests {
    let rectilinear = nugDirectory + "/tas_rectilinear_grid_2D.nc"
    let rotated = nugDirectory + "/tas_rotated_grid_EUR11.nc"

    @Test func rectilinearStructure() throws {
        guard FileManager.default.fileExists(atPath: rectilinear) else { print("skipped: \(rectilinear) absent"); return }
        let f = try NetCDFFile(path: rectilinear)
        #expect(f.format == .classic)
        #expect(f.dimensions.map(\.name) == ["lon", "nb2", "lat", "time"])
        #expect(try f.dimension("time").isUnlimited)
        #expect(try f.dimension("time").length == 12)
        let tas = try f.variable("tas")
        #expect(tas.shape == [12, 96, 192])
        #expect(tas.type == .float)
        #expect(tas.attribute("_FillValue")?.number == Double(Float(1e20)))
        #expect(f.attribute("Conventions")?.string == "CF-1.4")
        #expect(f.attribute("initialization_method") == .ints([1]))
    }

    @Test func rectilinearValues() throws {
        guard FileManager.default.fileExists(atPath: rectilinear) else { print("skipped: \(rectilinear) absent"); return }
        let f = try NetCDFFile(path: rectilinear)
        let t = try f.read("tas")
        #expect(t.shape == [12, 96, 192])
        // ncdump -v tas: 239.0962, 239.0435, 238.9419, ...
        #expect(approxEqual(t[0, 0, 0], 239.0962))
        #expect(approxEqual(t[0, 0, 1], 239.0435))
        #expect(approxEqual(t[0, 0, 2], 238.9419))
        #expect(approxEqual(t[11, 95, 191], 249.37749))
        let slab = try f.read("tas", start: [5, 40, 100], count: [1, 1, 1])
        #expect(approxEqual(slab.item, 299.8749))
        let strided = try f.read("tas", start: [0, 0, 0], count: [2, 2, 2], stride: [11, 95, 191])
        #expect(approxEqual(strided[1, 1, 1], 249.37749))
        #expect(approxEqual(strided[0, 0, 0], 239.0962))
        let lat = try f.readDoubles("lat", count: [3])
        #expect(abs(lat[0] - -88.5721664428711) < 1e-9)
        let times = try f.times("time")
        #expect(times.first?.iso8601 == "2005-01-16T12:00:00")
        #expect(times[1] == CFDate(year: 2005, month: 2, day: 15))
        let cs = try f.coordinateSystem(for: "tas")
        #expect(cs.latitude?.name == "lat")
        #expect(cs.longitude?.name == "lon")
        #expect(cs.time?.name == "time")
        #expect(cs.dimensionIndex(.t) == 0)
    }

    @Test func rotatedGrid() throws {
        guard FileManager.default.fileExists(atPath: rotated) else { print("skipped: \(rotated) absent"); return }
        let f = try NetCDFFile(path: rotated)
        let cs = try f.coordinateSystem(for: "tas")
        #expect(cs.coordinate(.gridLatitude)?.name == "rlat")
        #expect(cs.coordinate(.gridLongitude)?.name == "rlon")
        #expect(cs.vertical?.name == "height")
        #expect(cs.gridMapping?.variable == "rotated_pole")
        #expect(cs.gridMapping?.name == "rotated_latitude_longitude")
        #expect(cs.gridMapping?.northPoleLatitude == 39.25)
        #expect(cs.gridMapping?.northPoleLongitude == -162)
        let t = try f.read("tas", start: [0, 0, 200, 200], count: [1, 1, 1, 1])
        #expect(approxEqual(t.item, 273.96506))
        #expect(try f.times("time") == [CFDate(year: 2006, month: 1, day: 16, hour: 12)])
        #expect(try f.readDoubles("rlat", count: [1]) == [-23.375])
    }

    @Test func stormSample() throws {
        let path = cdfDirectory + "/Tstorm.cdf"
        guard FileManager.default.fileExists(atPath: path) else { print("skipped: \(path) absent"); return }
        let f = try NetCDFFile(path: path)
        let t = try f.read("t")
        // ncdump -v t: "_, _, _, _, _, _, _, 291.4017, 291.9017, ..."; netCDF4-python counts 15300 masked values.
        #expect(t.shape == [64, 33, 36])
        #expect(t[0, 0, 0].isNaN && t[0, 0, 6].isNaN)
        #expect(approxEqual(t[0, 0, 7], 291.4017) && approxEqual(t[0, 0, 8], 291.9017) && approxEqual(t[2, 10, 20], 282.86255))
        #expect(t.scalars.filter(\.isNaN).count == 15300)
        #expect(try f.read("timestep", count: [3]).scalars == [0, 6, 12])
        #expect(try f.readText("reftime") == ["1996 01 05 00:00"])
    }

    @Test func everyClassicSampleOpens() throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: cdfDirectory) else { print("skipped: \(cdfDirectory) absent"); return }
        var opened = 0
        for name in names.sorted() where name.hasSuffix(".cdf") || name.hasSuffix(".nc") {
            let f = try NetCDFFile(path: cdfDirectory + "/" + name)
            for v in f.variables where v.type.isNumeric && v.count < 2_000_000 && v.rank <= 6 { _ = try f.read(v.name) }
            opened += 1
        }
        #expect(opened > 10)
    }

    @Test func concurrentReadersShareTheLock() throws {
        guard FileManager.default.fileExists(atPath: rectilinear) else { print("skipped: \(rectilinear) absent"); return }
        let f = try NetCDFFile(path: rectilinear)
        let reference = try (0..<12).map { try f.read("tas", start: [$0, 0, 0], count: [1, 96, 192]).scalars }
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 48)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 48) { i in
            // Half share one file object, half open their own; both must see the same data.
            let file = i.isMultiple(of: 2) ? f : (try? NetCDFFile(path: rectilinear))
            let step = i % 12
            results[i] = (try? file?.read("tas", start: [step, 0, 0], count: [1, 96, 192]).scalars) == reference[step]
        }
        #expect(results.allSatisfy { $0 })
    }
}
