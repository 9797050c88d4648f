// Downscaling's data contract: a model trained on a global 5-degree grid (0..360, latitude ascending, K, Pa) meets
// the same coarse fields made the other ways a user brings them (degC, hPa predictors, latitude descending,
// -180..180), each of which must give the same downscaled numbers back on the user's grid and order; another
// spacing, another quantity, and fields far from training are refused or warned about; an old checkpoint without
// a contract still applies.
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

/// A global 16x72 (5-degree) temperature archive of 6 steps with a sea-level-pressure predictor on the coarse
/// (factor 4, 20-degree) grid, and a model trained on it once.
final class GlobalClimate {
    let dir: URL
    let lat = (0..<16).map { -37.5 + 5 * Double($0) }
    let lon = (0..<72).map { 5 * Double($0) }
    let fine: Tensor      // [6, 16, 72] K
    let psl: Tensor       // [6, 4, 18] Pa
    var truth: String { path("tas.nc") }
    var model: String { path("m.h5") }
    var modelWithPredictor: String { path("mp.h5") }

    static let shared: GlobalClimate = try! GlobalClimate()

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-dsc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: 3)
        let (lat, lon) = (self.lat, self.lon)
        var steps = [Tensor]()
        for k in 0..<6 {
            let noise = Tensor.normal([16, 72], std: 1.5, rng: &rng).scalars
            steps.append(Tensor(shape: [16, 72], scalars: (0..<(16 * 72)).map { c in
                let (i, j) = (c / 72, c % 72)
                return Float(285 + 12 * cos(lat[i] * .pi / 90) + 4 * sin(lon[j] * .pi / 60) + Double(k)) + noise[c]
            }))
        }
        fine = Tensor.stack(steps, axis: 0)
        psl = Tensor.normal([6, 4, 18], mean: 101_000, std: 800, rng: &rng)
        try write(truth, "tas", fine, units: "K", lat: lat, lon: lon)
        let coarse = coarseLatLon()
        try write(path("psl.nc"), "psl", psl, units: "Pa", lat: coarse.lat, lon: coarse.lon)
        var r = DownscaleTrainRequest(truth: truth, output: model)
        r.variable = "tas"; r.factor = 4; r.patch = 16; r.validateEvery = 3; r.model = .srcnn; r.width = 8
        r.run.options.epochs = 1; r.run.options.stepsPerEpoch = 2; r.run.options.batchSize = 2; r.run.quiet = true
        _ = try DownscaleTraining.run(r)
        r.run.output = modelWithPredictor; r.predictors = [path("psl.nc") + ":psl"]
        _ = try DownscaleTraining.run(r)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Block means of the fine coordinates (the coarse grid's centres).
    func coarseLatLon() -> (lat: [Double], lon: [Double]) {
        let m = { (x: [Double]) in Swift.stride(from: 0, to: x.count, by: 4).map { x[$0..<($0 + 4)].reduce(0, +) / 4 } }
        return (m(lat), m(lon))
    }

    func write(_ path: String, _ name: String, _ data: Tensor, units: String, lat: [Double], lon: [Double]) throws {
        let wr = try NetCDFWriter(path: path, overwrite: true, history: "test")
        try wr.defineDimension("time", length: nil)
        try wr.defineVariable(NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: "days since 2000-01-01"))
        try wr.defineDimension("lat", length: lat.count); try wr.defineDimension("lon", length: lon.count)
        var la = NCVariableDefinition(name: "lat", dimensions: ["lat"], type: .double, units: "degrees_north", standardName: "latitude")
        la.fillValue = nil
        var lo = NCVariableDefinition(name: "lon", dimensions: ["lon"], type: .double, units: "degrees_east", standardName: "longitude")
        lo.fillValue = nil
        try wr.defineVariable(la); try wr.defineVariable(lo)
        try wr.write("lat", doubles: lat); try wr.write("lon", doubles: lon)
        try wr.defineVariable(NCVariableDefinition(name: name, dimensions: ["time", "lat", "lon"], units: units))
        for k in 0..<data.shape[0] { try wr.append(name, data.sliced(axis: 0, k..<(k + 1)).squeezed(0), time: Double(k)) }
        try wr.finish()
    }

    /// The coarse input (block means of the truth) written with `transform` applied to values, rows and columns.
    func coarseFile(_ name: String, units: String = "K", factor: Int = 4, value: (Float) -> Float = { $0 },
                    reverseLatitude: Bool = false, centredLongitude: Bool = false, field: Tensor? = nil) throws -> String {
        var c = try Regrid.coarsen(field ?? fine, factor: factor)
        let m = { (x: [Double]) in Swift.stride(from: 0, to: x.count, by: factor).map { x[$0..<($0 + factor)].reduce(0, +) / Double(factor) } }
        var (la, lo) = (m(lat), m(lon))
        c = c.map(value)
        let (t, h, w) = (c.shape[0], c.shape[1], c.shape[2])
        var rows = Array(0..<h), cols = Array(0..<w)
        if reverseLatitude { rows.reverse(); la.reverse() }
        if centredLongitude {
            cols = Array(w / 2..<w) + Array(0..<w / 2)
            lo = cols.map { lo[$0] >= 180 ? lo[$0] - 360 : lo[$0] }
        }
        let s = c.scalars
        let moved = Tensor(shape: [t, h, w], scalars: (0..<(t * h * w)).map { q in
            let (k, i, j) = (q / (h * w), (q / w) % h, q % w)
            return s[(k * h + rows[i]) * w + cols[j]]
        })
        let p = path(name)
        try write(p, "tas", moved, units: units, lat: la, lon: lo)
        return p
    }

    func apply(_ input: String, model: String? = nil, predictor: String? = nil, output: String) throws -> (DownscaleApplyReport, Tensor, NetCDFFile) {
        var r = DownscaleApplyRequest(model: model ?? self.model, input: input, output: path(output))
        r.output.quiet = true; r.output.overwrite = true
        if let predictor { r.predictors = [predictor] }
        let rep = try DownscaleApplying.run(r)
        let f = try NetCDFFile(path: path(output))
        return (rep, try f.read("tas"), f)
    }
}

/// x [t, H, W] with rows reversed and/or columns rolled by `roll`.
private func reorder(_ x: Tensor, reverseRows: Bool = false, roll: Int = 0) -> Tensor {
    let (t, h, w) = (x.shape[0], x.shape[1], x.shape[2])
    let s = x.scalars
    return Tensor(shape: x.shape, scalars: (0..<(t * h * w)).map { q in
        let (k, i, j) = (q / (h * w), (q / w) % h, q % w)
        return s[(k * h + (reverseRows ? h - 1 - i : i)) * w + (j + roll) % w]
    })
}

private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite(.serialized) struct DownscaleContractTests {
    let g = GlobalClimate.shared

    @Test func trainingRecordsTheContract() throws {
        let spec = try Checkpoint.load(g.model).spec(DownscaleSpec.self)
        let c = try #require(spec.dataContract)
        #expect(c.variables.first?.units == "K" && c.variables.first?.role == "target")
        let grid = try #require(c.grid)
        #expect(grid.latitudeOrder == .ascending && grid.longitudeConvention == .east360 && grid.global)
        #expect(abs(grid.latitudeSpacing - 5) < 1e-9 && grid.height == 16 && grid.width == 72)
        // Channel statistics of the coarse training input (steps 0, 1, 3, 4), from the streaming pass.
        let coarse = try Regrid.coarsen(g.fine, factor: 4)
        let train = [0, 1, 3, 4].flatMap { coarse.sliced(axis: 0, $0..<($0 + 1)).scalars }
        let mean = train.reduce(0.0) { $0 + Double($1) } / Double(train.count)
        #expect(c.channels.count == 1 && abs(c.channels[0].mean - mean) < 1e-3)
        #expect(c.channels[0].quantiles.count == ChannelStatistics.levels.count && c.channels[0].quantiles == c.channels[0].quantiles.sorted())
        let withPredictor = try #require(try Checkpoint.load(g.modelWithPredictor).spec(DownscaleSpec.self).dataContract)
        #expect(withPredictor.variables.map(\.role) == ["target", "predictor"] && withPredictor.variables[1].units == "Pa")
        #expect(withPredictor.channels.map(\.name) == ["tas", "psl"])
    }

    @Test func celsiusIsConvertedAndWrittenBackInCelsius() throws {
        let (ref, base, _) = try g.apply(try g.coarseFile("k.nc"), output: "k-out.nc")
        #expect(ref.contract.adaptations.isEmpty && ref.contract.warnings.isEmpty)
        let (rep, out, file) = try g.apply(try g.coarseFile("c.nc", units: "degC", value: { $0 - 273.15 }), output: "c-out.nc")
        #expect(rep.contract.adaptations.contains { $0.contains("degC converted to the model's K") })
        #expect(try file.variable("tas").text("units") == "degC")
        #expect(maxDifference(out, base.map { $0 - 273.15 }) < 2e-3)
    }

    @Test func latitudeReversedGivesTheSameFieldReversed() throws {
        let (_, base, _) = try g.apply(try g.coarseFile("k2.nc"), output: "k2-out.nc")
        let (rep, out, file) = try g.apply(try g.coarseFile("rev.nc", reverseLatitude: true), output: "rev-out.nc")
        #expect(rep.contract.adaptations.contains { $0.contains("latitude reversed") })
        let lat = try file.readDoubles("lat")
        #expect(lat.first! > lat.last! && abs(lat.first! - 37.5) < 1e-9)
        #expect(maxDifference(out, reorder(base, reverseRows: true)) < 1e-4)
    }

    @Test func centredLongitudesAreWrappedAndWrittenBack() throws {
        let (_, base, _) = try g.apply(try g.coarseFile("k3.nc"), output: "k3-out.nc")
        let (rep, out, file) = try g.apply(try g.coarseFile("c180.nc", centredLongitude: true), output: "c180-out.nc")
        #expect(rep.contract.adaptations.contains { $0.contains("longitude wrapped") })
        let lon = try file.readDoubles("lon")
        #expect(abs(lon.first! - -180) < 1e-9 && lon == lon.sorted())
        // Input column 0 is -180 = 180 east: the training grid's column 36.
        #expect(maxDifference(out, reorder(base, roll: 36)) < 1e-4)
    }

    @Test func predictorInHectopascalIsConverted() throws {
        let (_, base, _) = try g.apply(try g.coarseFile("k4.nc"), model: g.modelWithPredictor, predictor: g.path("psl.nc") + ":psl", output: "p-out.nc")
        let c = g.coarseLatLon()
        try g.write(g.path("psl-hpa.nc"), "psl", g.psl.map { $0 / 100 }, units: "hPa", lat: c.lat, lon: c.lon)
        let (rep, out, _) = try g.apply(try g.coarseFile("k5.nc"), model: g.modelWithPredictor, predictor: g.path("psl-hpa.nc") + ":psl", output: "ph-out.nc")
        #expect(rep.contract.adaptations.contains { $0.contains("predictor 'psl': hPa converted to the model's Pa") })
        #expect(maxDifference(out, base) < 1e-3)
    }

    @Test func anotherSpacingIsRefusedWithOneLine() throws {
        let input = try g.coarseFile("s8.nc", factor: 8)
        let error = #expect(throws: TaskError.self) { try g.apply(input, output: "s8-out.nc") }
        let text = String(describing: error!)
        #expect(text.contains("grid spacing 40 x 40 deg") && text.contains("20 x 20 deg") && text.contains("regrid the input") && !text.contains("\n"))
        #expect(!FileManager.default.fileExists(atPath: g.path("s8-out.nc")))
    }

    /// A static field whose rows run the other way from the data's is refused (it would pair rows with the wrong
    /// latitudes: tried by hand, a north-to-south input with south-to-north orography gave a plausible, wrong field).
    @Test func staticsInTheOtherLatitudeOrderAreRefused() throws {
        let orog = g.path("orog.nc")
        try g.write(orog, "orog", Tensor(shape: [1, 16, 72], scalars: (0..<(16 * 72)).map { Float($0) }), units: "m", lat: g.lat, lon: g.lon)
        let same = try FieldLoader.loadStatics([orog + ":orog"], height: 16, width: 72, grid: "the truth", latitudes: g.lat)
        #expect(same.count == 1)
        let error = #expect(throws: TaskError.self) {
            try FieldLoader.loadStatics([orog + ":orog"], height: 16, width: 72, grid: "the truth", latitudes: g.lat.reversed())
        }
        let text = String(describing: error!)
        #expect(text.contains("runs south to north") && text.contains("runs north to south") && !text.contains("\n"))
    }

    @Test func anotherQuantityIsRefusedWithOneLine() throws {
        let input = try g.coarseFile("wind.nc", units: "m s-1")
        let error = #expect(throws: TaskError.self) { try g.apply(input, output: "wind-out.nc") }
        let text = String(describing: error!)
        #expect(text.contains("is in m s-1 but the model was trained on K") && text.contains("cannot be converted") && !text.contains("\n"))
    }

    @Test func foreignStatisticsAreWarnedAbout() throws {
        let (rep, _, _) = try g.apply(try g.coarseFile("warm.nc", value: { $0 + 40 }), output: "warm-out.nc")
        #expect(rep.contract.warnings.count == 1 && rep.contract.warnings[0].contains("training standard deviations"))
        #expect((rep.contract.meanShift["tas"] ?? 0) > ContractCheck.meanShiftLimit)
        let json = String(decoding: try JSONEncoder().encode(rep), as: UTF8.self)
        #expect(json.contains("\"warnings\":[\"channel tas"))
    }

    @Test func oldCheckpointWithoutContractStillApplies() throws {
        var ck = try Checkpoint.load(g.model)
        var spec = try ck.spec(DownscaleSpec.self)
        spec.dataContract = nil
        ck.taskSpec = try jsonString(spec)
        try ck.save(to: g.path("old.h5"))
        let (_, base, _) = try g.apply(try g.coarseFile("k6.nc"), output: "k6-out.nc")
        let (rep, out, _) = try g.apply(try g.coarseFile("k7.nc"), model: g.path("old.h5"), output: "old-out.nc")
        #expect(rep.contract.skipped.contains { $0.contains("no data contract") })
        #expect(maxDifference(out, base) < 1e-6)
    }

    @Test func evaluationOnReversedLatitudeScoresTheSame() throws {
        try g.write(g.path("tas-rev.nc"), "tas", reorder(g.fine, reverseRows: true), units: "K", lat: g.lat.reversed(), lon: g.lon)
        var r = DownscaleEvaluateRequest(model: g.model, truth: g.truth)
        r.steps = [2, 5]
        let base = try DownscaleEvaluating.run(r)
        r.truths = [g.path("tas-rev.nc")]
        let e = try DownscaleEvaluating.run(r)
        #expect(e.contract?.adaptations.contains { $0.contains("latitude reversed") } == true)
        for k in ["cnn", "bicubic", "bcsd"] { #expect(abs(e.methods[k]!.rmse - base.methods[k]!.rmse) < 1e-4) }
    }

    @Test func unitChanges() throws {
        let c = try #require(LinearUnitChange.between("degC", "K"))
        #expect(c.apply([0, -273.15]) == [273.15, 0])
        #expect(abs(c.inverse.apply([300])[0] - 26.85) < 1e-4)
        #expect(LinearUnitChange.between("hPa", "Pa")!.apply([1013.25]) == [101_325])
        #expect(abs(LinearUnitChange.between("mm day-1", "kg m-2 s-1")!.apply([86.4])[0] - 0.001) < 1e-9)
        #expect(LinearUnitChange.between("K", "Pa") == nil && LinearUnitChange.between("furlongs", "m s-1") == nil)
    }
}
