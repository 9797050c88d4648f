// Valid files that gridcnn once read differently from ncdump (found running netCDF-C's test corpus, issue 23): names
// NUL-padded by a rename in data mode, 64-bit integers next to their fill values, same-named dimensions in groups.
// scripts/conformance/netcdf-corpus.sh runs the whole corpus comparison.
import CNetCDF
import Foundation
import Testing
@testable import GridIO

@Suite struct NetCDFConformanceTests {
    /// Renaming to a shorter name outside define mode makes libnetcdf overwrite the name in place and keep its
    /// stored length, so the header holds "ab" followed by NULs. ncdump and libnetcdf read it as "ab".
    @Test(arguments: [false, true])
    func namesShortenedInDataMode(offset64: Bool) throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("renamed.nc").path
        var ncid: Int32 = 0, dim: Int32 = 0, varid: Int32 = 0
        func ok(_ status: Int32) throws { try #require(status == NC_NOERR, "\(String(cString: nc_strerror(status)))") }
        // libnetcdf is not thread-safe and other suites run in parallel through GridIO: hold GridIO's lock, as
        // GridIO itself does (without it this test crashed the test process in CI, inside libnetcdf).
        try withLibraryLock {
            try ok(nc_create(path, offset64 ? NC_64BIT_OFFSET : NC_CLOBBER, &ncid))
            try ok(nc_def_dim(ncid, "longdimension", 3, &dim))
            try ok(nc_def_var(ncid, "longname", NC_INT, 1, &dim, &varid))
            try ok(nc_put_att_text(ncid, varid, "long_attribute", 4, "text"))
            try ok(nc_enddef(ncid))
            try ok(nc_put_var_int(ncid, varid, [1, 2, 3]))
            try ok(nc_rename_var(ncid, varid, "ab"))
            try ok(nc_rename_dim(ncid, dim, "d"))
            try ok(nc_rename_att(ncid, varid, "long_attribute", "units"))
            try ok(nc_close(ncid))
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let padded = Array("ab".utf8) + [UInt8](repeating: 0, count: 6)
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: padded) }, "libnetcdf no longer pads renamed names")

        let f = try NetCDFFile(path: path)
        #expect(f.format == (offset64 ? .offset64 : .classic))
        #expect(f.variables.map(\.name) == ["ab"] && f.dimensions.map(\.name) == ["d"])
        #expect(try f.variable("ab").attributes == [NCAttribute(name: "units", type: .char, value: "text")])
        #expect(try f.readDoubles("ab") == [1, 2, 3])

        // Still corrupt: a NUL inside a name, and a name of NULs only.
        for (edit, reason): ([UInt8], String) in [([0x61, 0, 0x62], "name holds a NUL byte"), ([0, 0, 0], "empty name")] {
            var broken = bytes
            broken.replaceSubrange(at..<(at + 3), with: edit)
            let bad = dir.appendingPathComponent("broken.nc").path
            try Data(broken).write(to: URL(fileURLWithPath: bad))
            #expect(throws: GridIOError.truncatedOrCorrupt(path: bad, detail: reason)) { try NetCDFFile(path: bad) }
        }
    }

    /// Masks compared in the variable's own type: the fill values are where ncdump shows "_", and netCDF4-python
    /// masks the same values plus those outside valid_range.
    @Test func sixtyFourBitMasks() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        // netCDF-4 only: ncgen 4.9.0 writes the int64 variables of this CDL as int32 in CDF-5.
        let path = try generate("int64masks", kind: "nc4", in: dir)
        let f = try NetCDFFile(path: path)
        let nan = Double.nan
        let cases: [(String, [Double])] = [
            ("atMax", [0x1p64, 0x1p64, 0x1p64]),               // UINT64_MAX, next to the default fill UINT64_MAX - 1
            ("oneFill", [-0x1p63, nan, -0x1p63]),              // only the middle value is the default fill
            ("bounds", [nan, 1, nan]),                         // just outside valid_range at both ends
            ("explicitFill", [0x1p64, nan, 1]),                // _FillValue UINT64_MAX; UINT64_MAX - 1 stays
            ("unsignedFill", [0x1p64, nan, 7]),                // _Unsigned: -2 is 2^64 - 2, the fill -1 is 2^64 - 1
            ("smaller", [4294967294, nan, 0]),                 // uint default fill, as before
        ]
        let summary = try FileSummary.make(path: path)
        for (name, want) in cases {
            let got = try f.readDoubles(name)
            #expect(sameValues(got, want), "\(name): \(got)")
            #expect(summary.variables[name]?.missing == want.filter(\.isNaN).count, "\(name)")
        }
        #expect(try f.readDoubles("atMax", decode: false) == [0x1p64, 0x1p64, 0x1p64])
        #expect(CFPacking(variable: try f.variable("oneFill")).integerMasks?.missing == [-9_223_372_036_854_775_806])
    }

    /// Each group's `dim` keeps its own length and unlimited flag, keyed by path in text and JSON.
    @Test func sameNamedDimensionsInGroups() throws {
        guard ncgenPath != nil else { print("skipped: ncgen not installed"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = try generate("groupdims", kind: "nc4", in: dir)
        let f = try NetCDFFile(path: path)
        #expect(f.root.allDimensions.map(\.path) == ["dim", "g1/dim", "g2/dim", "g3/dim"])
        #expect(try f.dimension("g3/dim").length == 3 && f.dimension("dim").length == 1)
        #expect(try f.variable("g2/inner/up").dimensions.map(\.path) == ["g2/dim"])
        let sibling = try f.variable("g3/fromSibling").dimensions
        #expect(sibling.map(\.path) == ["g2/dim"] && sibling[0].isUnlimited && sibling[0].length == 2)

        let s = try FileSummary.make(path: path)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(s.renderJSON().utf8)) as? [String: Any])
        #expect((json["dimensions"] as? [String: Int]) == ["dim": 1, "g1/dim": 4, "g2/dim": 2, "g3/dim": 3])
        #expect((json["unlimited_dimensions"] as? [String]) == ["g2/dim"])
        let variables = try #require(json["variables"] as? [String: [String: Any]])
        #expect(variables["g1/data"]?["dims"] as? [String] == ["g1/dim"] && variables["g1/data"]?["shape"] as? [Int] == [4])
        #expect(variables["g2/inner/up"]?["dims"] as? [String] == ["g2/dim"] && variables["top"]?["dims"] as? [String] == ["dim"])

        let text = s.renderText()
        let dimensionLines = text.split(separator: "\n").filter { $0.contains(" = ") && !$0.contains(":") }
        #expect(dimensionLines == ["\tdim = 1 ;", "\tg1/dim = 4 ;", "\tg2/dim = UNLIMITED ; // (2 currently)", "\tg3/dim = 3 ;"])
        #expect(text.contains("\tint g2/inner/up(g2/dim) ; // min 7, max 8, mean 7.5; missing 0 of 2"))
    }
}
