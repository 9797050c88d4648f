// The data contract of detection checkpoints: each adaptation (units, latitude order, longitude convention, grid
// spacing), the statistics warning, each refusal, --native, and old checkpoints without a contract.
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

@Suite struct GridAdaptationTests {
    static func global(_ d: Double, descending: Bool = false, centred: Bool = false) -> LatLonGrid {
        var lat = (0..<Int(180 / d)).map { -90 + d / 2 + d * Double($0) }
        if descending { lat.reverse() }
        let lon = (0..<Int(360 / d)).map { centred ? -180 + d * Double($0) : d * Double($0) }
        return LatLonGrid(lat: lat, lon: lon)
    }

    @Test func regriddingIsExactOnLinearFieldsAndMasksComeBackByNearest() throws {
        let input = Self.global(1.5), model = Self.global(3)
        let a = try GridAdaptation.plan(input: input, contract: ContractGrid(model), spacing: 3)
        #expect(a.notes.count == 1 && a.notes[0].contains("regridded from 1.5 to the model's 3 deg"))
        #expect(a.model.height == 61 && a.model.width == 120 && a.model.periodic)
        #expect(abs(a.model.meanLatitudeSpacing - 3) < 0.03)
        // Bilinear reproduces a field linear in latitude, and one linear in longitude away from the seam.
        let byLat = (0..<(input.height * input.width)).map { Float(2 * input.lat[$0 / input.width] + 5) }
        let byLon = (0..<(input.height * input.width)).map { Float(input.lon[$0 % input.width]) }
        let (gLat, gLon) = (a.toModel(byLat), a.toModel(byLon))
        for i in 0..<a.model.height { for j in 0..<a.model.width {
            #expect(abs(Double(gLat[i * a.model.width + j]) - (2 * a.model.lat[i] + 5)) < 1e-3)
            if a.model.lon[j] <= 358.5 { #expect(abs(Double(gLon[i * a.model.width + j]) - a.model.lon[j]) < 1e-3) }
        } }
        // NaNs do not spread: one missing input point leaves its neighbours' interpolants valid.
        var holed = byLat
        holed[40 * input.width + 10] = .nan
        #expect(a.toModel(holed).allSatisfy { $0.isFinite })
        // A northern-hemisphere class on the model grid comes back on the input grid's northern points.
        let modelMask = (0..<(a.model.height * a.model.width)).map { Int8(a.model.lat[$0 / a.model.width] > 0 ? 1 : 0) }
        let back = a.toInput(modelMask)
        #expect(back.count == input.height * input.width)
        for i in 0..<input.height where abs(input.lat[i]) > 2 {
            #expect(back[i * input.width] == (input.lat[i] > 0 ? 1 : 0))
        }
    }

    @Test func reorderingAndWrappingArePermutations() throws {
        let model = Self.global(3)
        let input = Self.global(3, descending: true, centred: true)
        let a = try GridAdaptation.plan(input: input, contract: ContractGrid(model), spacing: 3)
        #expect(a.notes == ["latitude reversed to the model's ascending order", "longitude wrapped to the model's 0..360 convention"])
        #expect(a.model.lat == model.lat && a.model.lon == model.lon)
        let f = (0..<(input.height * input.width)).map { Float($0) }
        let g = a.toModel(f)
        for i in 0..<model.height { for j in 0..<model.width {
            let ii = input.lat.firstIndex(of: model.lat[i])!
            let jj = input.lon.firstIndex { abs(LatLonGrid.lonDifference($0, model.lon[j])) < 1e-9 }!
            #expect(g[i * model.width + j] == f[ii * input.width + jj])
        } }
        let mask = (0..<(model.height * model.width)).map { Int8($0 % 3) }
        let back = a.toInput(mask)
        #expect(a.toModel(back.map { Float($0) }) == mask.map { Float($0) })
    }

    @Test func theSameGridIsLeftAlone() throws {
        let g = Self.global(3)
        let a = try GridAdaptation.plan(input: g, contract: ContractGrid(g), spacing: 3)
        #expect(a.isIdentity && a.notes.isEmpty)
    }

    @Test func aMuchCoarserGridIsRefusedInOneLine() {
        #expect { try GridAdaptation.plan(input: Self.global(10), contract: ContractGrid(Self.global(3)), spacing: 3) } throws: { e in
            let s = "\(e)"
            return s.contains("too coarse") && s.contains("--native") && !s.contains("\n")
        }
    }
}

@Suite(.serialized) struct DetectContractTests {
    static func fields(spacing: Double) -> DetectWeatherFixture {
        var f = DetectWeatherFixture(spacing: spacing)
        f.addVortex(lat: 20, lon: 100, depth: 30, vmax: 30, rmax: 500, anticlockwise: true)
        f.addPlume(lat: 28, lon: 200, bearing: 50, length: 4000, sigma: 300)
        return f
    }

    /// A small UNet trained on the 3-degree fixture.
    static func trained(_ dir: URL) throws -> (model: String, input: String, fixture: DetectWeatherFixture) {
        let f = fields(spacing: 3)
        let path = dir.appendingPathComponent("weather.nc").path
        try f.write(path, steps: 4)
        var t = DetectTrainRequest(input: path, output: dir.appendingPathComponent("m.h5").path)
        t.base = 4; t.depth = 2; t.patch = 16; t.validateEvery = 4; t.run.quiet = true
        t.run.options.epochs = 2; t.run.options.stepsPerEpoch = 2; t.run.options.batchSize = 2
        _ = try DetectTraining.run(t)
        return (t.run.output, path, f)
    }

    static func masks(_ model: String, _ input: String, native: Bool = false) throws -> (masks: [[Int8]], check: ContractCheck, session: DetectSession) {
        let d = try Detector(path: model)
        let inp = try d.open(input, given: DetectVariableNames())
        let s = try DetectSession(detector: d, input: inp, native: native)
        let m = try inp.readAll().map { s.mask($0, grid: inp.grid, warmCoreCheck: false) }
        return (m, s.finish(), s)
    }

    @Test func contractIsWrittenAndEachAdaptationGivesTheSameAnswer() throws {
        let dir = try detectTemporaryDirectory()
        let (model, path, f) = try Self.trained(dir)
        let spec = try Detector(path: model).spec
        let c = try #require(spec.dataContract)
        #expect(c.variables.map(\.units) == ["Pa", "m s-1", "m s-1", "kg m-2"])
        #expect(c.variables.first!.standardName == "air_pressure_at_mean_sea_level")
        #expect(c.grid == ContractGrid(f.grid) && c.grid!.latitudeOrder == .ascending && c.grid!.longitudeConvention == .east360)
        #expect(c.channels.map(\.name) == spec.channels.map(\.label) && c.channels.allSatisfy { $0.quantiles.count == 5 })
        #expect(abs(c.channels[4].mean - Double(spec.channels[4].mean)) < 1e-3)

        let (reference, check0, _) = try Self.masks(model, path)
        #expect(check0.adaptations.isEmpty && check0.warnings.isEmpty && check0.skipped.isEmpty)
        #expect(check0.meanShift.values.allSatisfy { $0 < 1e-3 })

        // Units: PSL in hPa is converted and gives the same masks.
        let hPa = dir.appendingPathComponent("hpa.nc").path
        try f.write(hPa, steps: 4, pslUnits: "hPa")
        let (m1, c1, _) = try Self.masks(model, hPa)
        #expect(c1.adaptations.contains { $0.contains("hPa") && $0.contains("-> Pa") })
        #expect(m1 == reference)

        // Latitude north to south and longitudes -180..180: the same masks, reordered like the input.
        let (h, w) = (f.grid.height, f.grid.width)
        let rows = Array((0..<h).reversed()), cols = Array(w / 2..<w) + Array(0..<(w / 2))
        let flipped = f.permuted(rows: rows, cols: cols) { $0 >= 180 ? $0 - 360 : $0 }
        let flippedPath = dir.appendingPathComponent("flipped.nc").path
        try flipped.write(flippedPath, steps: 4)
        let (m2, c2, _) = try Self.masks(model, flippedPath)
        #expect(c2.adaptations == ["latitude reversed to the model's ascending order", "longitude wrapped to the model's 0..360 convention"])
        for (a, b) in zip(m2, reference) { #expect(a == rows.flatMap { i in cols.map { j in b[i * w + j] } }) }

        // Another spacing: regridded to the model's, masks on the input grid.
        let fine = Self.fields(spacing: 1.5)
        let finePath = dir.appendingPathComponent("fine.nc").path
        try fine.write(finePath, steps: 2)
        let (m3, c3, s3) = try Self.masks(model, finePath)
        #expect(c3.adaptations.contains { $0.hasPrefix("regridded from 1.5 to the model's 3 deg") })
        #expect(m3.count == 2 && m3.allSatisfy { $0.count == fine.grid.height * fine.grid.width })
        #expect(abs(s3.modelGrid(fine.grid).meanLatitudeSpacing - 3) < 0.05)
        // --native runs on the input grid and says the spacing differs.
        let (m4, c4, s4) = try Self.masks(model, finePath, native: true)
        #expect(s4.adaptation == nil && m4[0].count == fine.grid.height * fine.grid.width)
        #expect(c4.warnings.contains { $0.contains("grid spacing 1.50 deg differs") } && c4.skipped.contains { $0.hasPrefix("--native") })
    }

    @Test func foreignStatisticsAreWarnedAboutAndRefusalsAreOneLine() throws {
        let dir = try detectTemporaryDirectory()
        let (model, _, f) = try Self.trained(dir)
        // Three times the water vapour: within what IWV can be, far from training.
        var wet = f
        wet.iwv = wet.iwv.map { $0 * 3 }
        let wetPath = dir.appendingPathComponent("wet.nc").path
        try wet.write(wetPath, steps: 2)
        let (_, c, _) = try Self.masks(model, wetPath)
        #expect(c.warnings.contains { $0.hasPrefix("channel TMQ: mean") && $0.contains("training standard deviations") })
        #expect(c.meanShift["TMQ"]! > ContractCheck.meanShiftLimit && c.meanShift["PSL-zonal"]! < 0.01)
        // The JSON report carries it.
        var d = DetectRequest(model: model, input: wetPath, output: dir.appendingPathComponent("wet-mask.nc").path)
        d.output.quiet = true
        let rep = try DetectApplying.run(d)
        let json = String(decoding: try JSONEncoder().encode(rep), as: UTF8.self)
        #expect(json.contains("\"contract\"") && json.contains("meanShift") && json.contains("channel TMQ"))

        // Surface pressure where the model wants sea-level pressure: refused, naming both.
        let ps = dir.appendingPathComponent("ps.nc").path
        try f.write(ps, steps: 1, standardNames: [.psl: "surface_air_pressure"])
        #expect { _ = try Self.masks(model, ps) } throws: { e in
            let s = "\(e)"
            return s.contains("'PSL' is surface_air_pressure") && s.contains("air_pressure_at_mean_sea_level") && !s.contains("\n")
        }
        // A grid far coarser than training: refused.
        let coarse = Self.fields(spacing: 10)
        let coarsePath = dir.appendingPathComponent("coarse.nc").path
        try coarse.write(coarsePath, steps: 1)
        #expect { _ = try Self.masks(model, coarsePath) } throws: { e in "\(e)".contains("too coarse") }
    }

    @Test func checkpointsWithoutAContractStillApplyAndSayWhatIsSkipped() throws {
        let dir = try detectTemporaryDirectory()
        let (model, path, _) = try Self.trained(dir)
        let (reference, _, _) = try Self.masks(model, path)
        var ck = try Checkpoint.load(model)
        var spec = try ck.spec(DetectSpec.self)
        spec.dataContract = nil
        ck.taskSpec = try jsonString(spec)
        #expect(!ck.taskSpec.contains("dataContract"))
        let old = dir.appendingPathComponent("old.h5").path
        try ck.save(to: old)
        let (m, c, _) = try Self.masks(old, path)
        #expect(m == reference)
        #expect(c.skipped.contains { $0.contains("no data contract") } && c.meanShift.count == spec.channels.count)

        // `gridcnn contract` records it again from the training file; the weights and their checksum stay.
        let again = dir.appendingPathComponent("again.h5").path
        let rep = try ContractRecording.run(ContractRecordRequest(model: old, input: path, output: again))
        let original = try Detector(path: model).spec.dataContract
        #expect(rep.task == "detect" && rep.contract == original)
        #expect(try Checkpoint.load(again).contentChecksum == ck.contentChecksum)
        #expect(try Self.masks(again, path).check.skipped.isEmpty)
        // Not its training file: refused; the output exists: refused.
        let coarse = dir.appendingPathComponent("coarse.nc").path
        try Self.fields(spacing: 6).write(coarse, steps: 4)
        #expect { _ = try ContractRecording.run(ContractRecordRequest(model: old, input: coarse, output: dir.appendingPathComponent("x.h5").path)) } throws: { e in
            "\(e)".contains("not its training file")
        }
        #expect { _ = try ContractRecording.run(ContractRecordRequest(model: old, input: path, output: again)) } throws: { e in "\(e)".contains("exists") }
    }
}
