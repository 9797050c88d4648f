// Zarr stores through NCZarr: the committed store (scripts/make_zarr_fixture.py, written by xarray with
// zarr_format=2) reads with the same values, coordinates, times and CF decoding as its NetCDF copy and as xarray
// decoded it (expected.json); a compressed store that libnetcdf would return as raw bytes is refused.
import Foundation
import Testing
@testable import GridIO

@Suite struct ZarrTests {
    let dir = fixturesDirectory.appendingPathComponent("zarr")
    var store: String { dir.appendingPathComponent("tas_subset.zarr").path }

    struct Expected: Decodable {
        let shape: [Int], nan_count: Int, nan_mean: Double, first_row: [Double?], lat: [Double], lon: [Double]
        let time: [String], units: String
    }

    @Test func storeEqualsItsNetCDFCopy() throws {
        let z = try NetCDFFile(path: store)
        let nc = try NetCDFFile(path: dir.appendingPathComponent("tas_subset.nc").path)
        #expect(z.format == .zarr)
        #expect(try z.variable("tas").dimensionNames == ["time", "lat", "lon"])
        for name in ["tas", "lat", "lon", "time"] {
            #expect(sameValues(try z.readDoubles(name), try nc.readDoubles(name), tolerance: 0), "\(name)")
        }
        // Raw packed integers too, and the attributes CF decoding used.
        #expect(try z.readDoubles("tas", decode: false) == (try nc.readDoubles("tas", decode: false)))
        #expect(try z.times("time") == (try nc.times("time")))
        let packing = CFPacking(variable: try z.variable("tas"))
        #expect(packing.scaleFactor == 0.01 && packing.addOffset == 273.15)
        #expect(try z.variable("tas").attribute("_FillValue") == .ints([-32767]))
        #expect(z.attribute("title") == nc.attribute("title"))
    }

    @Test func decodedValuesMatchXarray() throws {
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        let z = try NetCDFFile(path: store)
        let tas = try z.readDoubles("tas")
        #expect(try z.variable("tas").shape == e.shape)
        #expect(tas.filter(\.isNaN).count == e.nan_count)
        let valid = tas.filter { !$0.isNaN }
        #expect(abs(valid.reduce(0, +) / Double(valid.count) - e.nan_mean) < 1e-9)
        #expect(sameValues(Array(tas.prefix(6)), e.first_row.map { $0 ?? .nan }, tolerance: 1e-12))
        #expect(sameValues(Array(try z.readDoubles("lat").prefix(3)), e.lat, tolerance: 0))
        #expect(sameValues(Array(try z.readDoubles("lon").prefix(3)), e.lon, tolerance: 0))
        let times = try z.times("time").map(\.iso8601)
        #expect(times == e.time)
        #expect(try z.variable("tas").text("units") == e.units)
    }

    @Test func urlFormsOpenTheSameStore() throws {
        let plain = try NetCDFFile(path: store).readDoubles("tas")
        let url = "file://\(store)#mode=zarr,file"
        #expect(sameValues(try NetCDFFile(path: url).readDoubles("tas"), plain, tolerance: 0))
        #expect(sameValues(try NetCDFFile(path: "file://\(store)").readDoubles("tas"), plain, tolerance: 0))
        // No storage kind in the fragment (libnetcdf alone would hang on it), and a relative path in the URL.
        #expect(sameValues(try NetCDFFile(path: "file://\(store)#mode=zarr").readDoubles("tas"), plain, tolerance: 0))
        let relative = store.replacingOccurrences(of: FileManager.default.currentDirectoryPath + "/", with: "")
        #expect(sameValues(try NetCDFFile(path: "file://\(relative)#mode=zarr").readDoubles("tas"), plain, tolerance: 0))
        #expect(throws: GridIOError.self) { _ = try NetCDFFile(path: "file://\(store)#mode=s3") }
    }

    @Test func compressedStoreIsRefusedNotMisread() throws {
        let z = try NetCDFFile(path: dir.appendingPathComponent("tas_blosc.zarr").path)
        #expect(throws: GridIOError.self) { _ = try z.readDoubles("tas") }
        do { _ = try z.read("tas"); Issue.record("read a blosc store") } catch let e as GridIOError {
            #expect(e.description.contains("blosc") && !e.description.contains("\n"), "\(e.description)")
        }
    }

    /// NCZarr reads a short chunk file as if it were whole (values 14 K and 600 K appeared); such a store is damage.
    @Test func truncatedChunkIsRefused() throws {
        let scratch = makeScratchDirectory()
        defer { removeScratch(scratch) }
        let copy = scratch.appendingPathComponent("s.zarr")
        try FileManager.default.copyItem(atPath: store, toPath: copy.path)
        let chunk = copy.appendingPathComponent("tas/0.0.0")
        try Data(try Data(contentsOf: chunk).prefix(100)).write(to: chunk)
        let z = try NetCDFFile(path: copy.path)
        #expect(sameValues(try z.readDoubles("lat"), try NetCDFFile(path: store).readDoubles("lat"), tolerance: 0))
        do { _ = try z.readDoubles("tas"); Issue.record("read a truncated chunk") } catch let e as GridIOError {
            #expect(e.description.contains("'0.0.0' has 100 bytes") && e.description.contains("truncated"), "\(e.description)")
        }
        // A missing chunk is not damage: Zarr reads it as the fill value.
        try FileManager.default.removeItem(at: chunk)
        #expect(try NetCDFFile(path: copy.path).readDoubles("tas").allSatisfy(\.isNaN))
    }

    @Test func notAStore() throws {
        let scratch = makeScratchDirectory()
        defer { removeScratch(scratch) }
        let empty = scratch.path
        #expect(throws: GridIOError.notNetCDF(path: empty)) { _ = try NetCDFFile(path: empty) }
        #expect(throws: GridIOError.fileNotFound(path: "file:///no/such/store.zarr#mode=zarr")) {
            _ = try NetCDFFile(path: "file:///no/such/store.zarr#mode=zarr")
        }
        _ = FileManager.default.createFile(atPath: empty + "/zarr.json", contents: Data("{}".utf8))
        do { _ = try NetCDFFile(path: empty); Issue.record("opened a v3 store") } catch let e as GridIOError {
            #expect(e.description.contains("Zarr v3"), "\(e.description)")
        }
    }
}
