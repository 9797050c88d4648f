// NetCDFWriter: CF metadata, coordinates copied from a template file, appending steps, compression settings, and
// the atomic-write guarantees (an existing file survives a failed or abandoned write; no temporary file remains).
import Foundation
import Testing
@testable import GridIO
import GridTensor

/// Names in `dir` that look like writer temporaries.
func temporaries(in dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.contains(".tmp-") }
}

@Suite struct WriterTests {
    @Test func copiesRotatedGridAndAppendsSteps() throws {
        let sample = nugDirectory + "/tas_rotated_grid_EUR11.nc"
        guard FileManager.default.fileExists(atPath: sample) else { print("skipped: \(sample) absent"); return }
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let input = try NetCDFFile(path: sample)
        let path = dir.appendingPathComponent("pred.nc").path
        let w = try NetCDFWriter(path: path, history: "gridcnn predict", attributes: [NCAttribute("model", "unet-v1"), NCAttribute("epochs", 12)])
        let copied = try w.copyCoordinates(from: input, for: "tas")
        #expect(Set(copied) == ["rlon", "rlat", "height", "time", "time_bnds", "rotated_pole"])
        try w.defineVariable(NCVariableDefinition(like: try input.variable("tas"), name: "tas_pred"))
        var step = try input.read("tas").scalars
        step[0] = .nan
        #expect(try w.append("tas_pred", Tensor(shape: [1, 412, 424], scalars: step)) == 0)
        try w.finish()
        #expect(temporaries(in: dir).isEmpty)

        let out = try NetCDFFile(path: path)
        #expect(out.format == .netCDF4)
        #expect(out.attribute("Conventions")?.string == "CF-1.8")
        #expect(out.attribute("history")?.string?.hasSuffix(": gridcnn predict") == true)
        #expect(out.attribute("model")?.string == "unet-v1" && out.attribute("epochs") == .ints([12]))
        #expect(try out.readDoubles("rlat") == input.readDoubles("rlat"))
        #expect(try out.readDoubles("time_bnds") == input.readDoubles("time_bnds"))
        #expect(try out.times("time") == input.times("time"))
        #expect(try out.variable("time").text("calendar") == "proleptic_gregorian")
        let pred = try out.variable("tas_pred")
        #expect(pred.dimensionNames == ["time", "height", "rlat", "rlon"] && pred.dimensions[0].isUnlimited)
        #expect(pred.chunkSizes == [1, 1, 412, 424] && pred.deflateLevel == 4 && pred.shuffle)
        #expect(pred.text("grid_mapping") == "rotated_pole" && pred.text("units") == "K" && pred.text("standard_name") == "air_temperature")
        #expect(pred.attribute("_FillValue")?.number == Double(Float(1e20)))
        #expect(try out.read("tas_pred", decode: false)[0, 0, 0, 0] == Float(1e20))
        let back = try out.read("tas_pred")
        #expect(back[0, 0, 0, 0].isNaN && back[0, 0, 200, 200] == step[200 * 424 + 200])
        let cs = try out.coordinateSystem(for: "tas_pred")
        #expect(cs.gridMapping?.northPoleLatitude == 39.25 && cs.coordinate(.gridLatitude)?.name == "rlat")
    }

    @Test func appendsWithTimeValues() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("steps.nc").path
        let w = try NetCDFWriter(path: path)
        try w.defineDimension("time", length: nil)
        try w.defineDimension("y", length: 2)
        try w.defineDimension("x", length: 3)
        var time = NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: "hours since 2000-01-01")
        time.attributes = [NCAttribute("calendar", "360_day")]
        time.fillValue = nil
        try w.defineVariable(time)
        try w.defineVariable(NCVariableDefinition(name: "pr", dimensions: ["time", "y", "x"], units: "kg m-2 s-1"))
        for i in 0..<5 { try w.append("pr", Tensor(repeating: Float(i), shape: [2, 3]), time: Double(i * 6)) }
        #expect(throws: GridIOError.self) { try w.append("pr", Tensor(zeros: [3, 2])) }  // wrong shape: the writer fails
        #expect(throws: GridIOError.self) { try w.finish() }
        #expect(!FileManager.default.fileExists(atPath: path) && temporaries(in: dir).isEmpty)

        let w2 = try NetCDFWriter(path: path)
        try w2.defineDimension("time", length: nil)
        try w2.defineDimension("x", length: 3)
        try w2.defineVariable(time)
        try w2.defineVariable(NCVariableDefinition(name: "pr", dimensions: ["time", "x"]))
        for i in 0..<4 { try w2.append("pr", Tensor(repeating: Float(i), shape: [3]), time: Double(i * 6)) }
        try w2.finish()
        let f = try NetCDFFile(path: path)
        #expect(try f.dimension("time").length == 4)
        #expect(try f.times("time").last == CFDate(year: 2000, month: 1, day: 1, hour: 18))
        let reader = try f.timeSteps(of: "pr")
        var seen: [Int] = []
        while let step = try reader.next() {
            #expect(step.data.shape == [3] && step.data.scalars == [Float](repeating: Float(step.index), count: 3))
            #expect(step.date == CFDate(year: 2000, month: 1, day: 1, hour: step.index * 6))
            seen.append(step.index)
        }
        #expect(seen == [0, 1, 2, 3])
    }

    @Test func existingFileSurvivesFailedAndAbandonedWrites() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("keep.nc").path
        let original = Data("precious bytes".utf8)
        try original.write(to: URL(fileURLWithPath: path))

        #expect(throws: GridIOError.outputExists(path: path)) { try NetCDFWriter(path: path) }
        #expect(throws: GridIOError.outputExists(path: path)) { try HDF5Writer(path: path) }

        // An error part-way: the temporary file goes, the original stays.
        let failing = try NetCDFWriter(path: path, overwrite: true)
        #expect(FileManager.default.fileExists(atPath: failing.temporaryPath))
        try failing.defineDimension("x", length: 2)
        #expect(throws: GridIOError.self) { try failing.defineVariable(NCVariableDefinition(name: "v", dimensions: ["nope"])) }
        #expect(throws: GridIOError.self) { try failing.defineDimension("y", length: 3) }  // the writer stays failed
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(temporaries(in: dir).isEmpty)

        // Abandoned without finish(): deinit cleans up.
        do {
            let abandoned = try NetCDFWriter(path: path, overwrite: true)
            try abandoned.defineDimension("x", length: 2)
            try abandoned.defineVariable(NCVariableDefinition(name: "v", dimensions: ["x"]))
            try abandoned.write("v", Tensor(ones: [2]))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(temporaries(in: dir).isEmpty)

        // A finished overwrite replaces it.
        let good = try NetCDFWriter(path: path, overwrite: true)
        try good.defineDimension("x", length: 2)
        try good.defineVariable(NCVariableDefinition(name: "v", dimensions: ["x"]))
        try good.write("v", Tensor(shape: [2], scalars: [3, 4]))
        try good.finish()
        #expect(try NetCDFFile(path: path).read("v").scalars == [3, 4])
        #expect(temporaries(in: dir).isEmpty)
        #expect(throws: GridIOError.self) { try good.finish() }

        let nowhere = dir.appendingPathComponent("missing/dir/out.nc").path
        #expect(throws: GridIOError.self) { try NetCDFWriter(path: nowhere) }
    }

    @Test func tilesWithHalo() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("grid.nc").path
        let w = try NetCDFWriter(path: path)
        try w.defineDimension("time", length: nil)
        try w.defineDimension("y", length: 7)
        try w.defineDimension("x", length: 10)
        try w.defineVariable(NCVariableDefinition(name: "v", dimensions: ["time", "y", "x"]))
        for t in 0..<2 {
            try w.append("v", Tensor(shape: [7, 10], scalars: (0..<70).map { Float(t * 1000 + ($0 / 10) * 100 + $0 % 10) }))
        }
        try w.finish()
        let f = try NetCDFFile(path: path)
        let reader = try f.tiles(of: "v", tileHeight: 3, tileWidth: 4, halo: 1)
        #expect(reader.tilesPerStep == 9)
        var covered = [Int](repeating: 0, count: 2 * 70)
        var count = 0
        while let tile = try reader.next() {
            count += 1
            let (c, p) = (tile.core, tile.padded)
            #expect(p.y == max(c.y - 1, 0) && p.x == max(c.x - 1, 0))
            #expect(p.y + p.height == min(c.y + c.height + 1, 7) && p.x + p.width == min(c.x + c.width + 1, 10))
            #expect(tile.data.shape == [p.height, p.width])
            #expect(tile.coreOffset == (c.y - p.y, c.x - p.x))
            let t = tile.leadingIndex[0]
            for yy in 0..<p.height { for xx in 0..<p.width {
                #expect(tile.data[yy, xx] == Float(t * 1000 + (p.y + yy) * 100 + p.x + xx))
            } }
            for yy in c.y..<(c.y + c.height) { for xx in c.x..<(c.x + c.width) { covered[t * 70 + yy * 10 + xx] += 1 } }
        }
        #expect(count == 18)
        #expect(covered.allSatisfy { $0 == 1 })
        let fixed = try f.tiles(of: "v", tileHeight: 100, tileWidth: 100, halo: 5, leading: [1])
        let only = try #require(try fixed.next())
        #expect(only.core == TileRegion(y: 0, x: 0, height: 7, width: 10) && only.padded == only.core && only.data[6, 9] == 1609)
        #expect(try fixed.next() == nil)
        #expect(throws: GridIOError.self) { try f.tiles(of: "v", tileHeight: 0, tileWidth: 4) }
        #expect(throws: GridIOError.self) { try f.tiles(of: "v", tileHeight: 2, tileWidth: 4, leading: [2]) }
    }

    @Test func attributeTypesRoundTrip() throws {
        let dir = makeScratchDirectory()
        defer { removeScratch(dir) }
        let path = dir.appendingPathComponent("attrs.nc").path
        let attrs = [NCAttribute("seed", 12_345_678_901), NCAttribute("small", 7), NCAttribute("ratio", 0.25),
                     NCAttribute("tags", .strings(["a", "b"])), NCAttribute(name: "u8", type: .ubyte, value: .ints([200, 3])),
                     NCAttribute(name: "u64", type: .uint64, value: .ints([Int64(bitPattern: UInt64.max - 1)])),
                     NCAttribute(name: "f32", type: .float, value: .doubles([0.5, -1]))]
        let w = try NetCDFWriter(path: path, attributes: attrs)
        try w.setAttribute(NCAttribute("title", "replaced later"))
        try w.setAttribute(NCAttribute("title", "final"))
        try w.finish()
        let f = try NetCDFFile(path: path)
        for a in attrs { #expect(f.attributes.contains(a), "\(a.name)") }
        #expect(f.attributes.first { $0.name == "seed" }?.type == .int64 && f.attributes.first { $0.name == "small" }?.type == .int)
        #expect(f.attribute("title")?.string == "final")
        let bad = try NetCDFWriter(path: dir.appendingPathComponent("bad.nc").path)
        #expect(throws: GridIOError.self) { try bad.setAttribute(NCAttribute(name: "b", type: .byte, value: .ints([300]))) }
        #expect(temporaries(in: dir).isEmpty)
    }
}

