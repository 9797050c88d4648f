// Scores on hand-made masks, unit handling, the label / train / detect / evaluate jobs end to end on a small
// constructed file, and the bad inputs users hit: a missing variable, a grid without lat/lon, wrong units.
import Foundation
import Testing
import GridTensor
import GridIO
@testable import GridTasks

@Suite struct DetectScoreTests {
    @Test func iouPrecisionRecallOnHandMadeMasks() {
        var s = MaskScores()
        //            TC: tp fp fn .  AR: tp fp fn .   ignored
        let pred: [Int8] = [1, 1, 0, 0, 2, 2, 0, 0, 1]
        let ref: [Int8] = [1, 0, 1, 0, 2, 0, 2, 0, -1]
        s.add(prediction: pred, reference: ref)
        for k in ["TC", "AR"] {
            let c = s.classes[k]!
            #expect(c.truePositives == 1 && c.falsePositives == 1 && c.falseNegatives == 1)
            #expect(abs(c.iou - 1.0 / 3) < 1e-12 && c.precision == 0.5 && c.recall == 0.5)
        }
        #expect(abs(s.pointAccuracy - 4.0 / 8) < 1e-12)
        // Accumulates over steps.
        s.add(prediction: [1, 2], reference: [1, 2])
        #expect(s.classes["TC"]!.truePositives == 2 && abs(s.classes["TC"]!.iou - 0.5) < 1e-12)
    }

    @Test func emptyClassesScoreSensibly() {
        var s = MaskScores()
        s.add(prediction: [0, 0, 0], reference: [0, 0, 0])
        #expect(s.classes["TC"]!.precision == 1 && s.classes["TC"]!.recall == 1 && s.classes["TC"]!.iou == 0)
        var missed = MaskScores()
        missed.add(prediction: [0, 0], reference: [2, 0])
        #expect(missed.classes["AR"]!.recall == 0 && missed.classes["AR"]!.precision == 0)
    }

    @Test func scoresRoundTripThroughJSON() throws {
        var s = MaskScores()
        s.add(prediction: [1, 0, 2, 2], reference: [1, 1, 2, 0])
        let back = try JSONDecoder().decode(MaskScores.self, from: JSONEncoder().encode(s))
        #expect(back == s)
    }

    @Test func warmCoreCheckClearsColdLowsOnly() {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 20, lon: 60, anticlockwise: true, tAnomaly: 4)
        f.addVortex(lat: 25, lon: 200, anticlockwise: true, tAnomaly: -3)
        // A network that marked both lows as cyclones.
        var mask = [Int8](repeating: 0, count: f.psl.count)
        for (lat, lon) in [(20.0, 60.0), (25.0, 200.0)] {
            let k = f.index(lat: lat, lon: lon)
            f.grid.forEach(within: 4, of: k / f.grid.width, k % f.grid.width) { i, j, _ in mask[i * f.grid.width + j] = 1 }
        }
        Detector.clearColdCores(&mask, psl: f.psl, t500: f.t500, grid: f.grid, options: LabellerOptions())
        #expect(mask[f.index(lat: 20, lon: 60)] == 1)
        #expect(mask[f.index(lat: 25, lon: 200)] == 0)
    }

    @Test func objectsOfAMask() {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 15, lon: 60, anticlockwise: true)
        let (mask, _) = Labeller.label(f.fields, grid: f.grid, options: LabellerOptions())
        let objects = DetectedObject.find(mask: mask, grid: f.grid, fields: f.fields, step: 3, time: nil)
        #expect(objects.count == 1)
        #expect(objects[0].eventClass == "TC" && objects[0].step == 3)
        #expect(abs(objects[0].centroidLat - 15) < 2 && abs(objects[0].centroidLon - 60) < 2)
        #expect(abs(objects[0].peak! - 983) < 2, "min PSL in hPa: 1013 - 30")
        let csv = String(decoding: try! DetectedObject.encode(objects, asCSV: true), as: UTF8.self)
        #expect(csv.hasPrefix("step,time,class,centroid_lat") && csv.contains(",TC,"))
    }
}

@Suite struct DetectUnitTests {
    @Test func pressureUnitsAreConvertedOrRefused() throws {
        let hpa = try DetectInput.conversion(.psl, name: "slp", units: "hPa", sample: [1000, 1012, 990], path: "f.nc")
        #expect(hpa.scale == 100)
        let bare = try DetectInput.conversion(.psl, name: "slp", units: nil, sample: [1000, 1012, 990], path: "f.nc")
        #expect(bare.scale == 100, "hPa recognised by magnitude")
        #expect(try DetectInput.conversion(.psl, name: "PSL", units: "Pa", sample: [101_000], path: "f.nc").scale == 1)
        #expect(throws: TaskError.self) { try DetectInput.conversion(.psl, name: "PS", units: "Pa", sample: [70_000, 65_000, 72_000], path: "f.nc") }
        #expect(throws: TaskError.self) { try DetectInput.conversion(.psl, name: "PSL", units: "K", sample: [101_000], path: "f.nc") }
    }

    @Test func waterVapourAndTemperatureUnits() throws {
        #expect(try DetectInput.conversion(.iwv, name: "pw", units: "cm", sample: [0.5, 3, 6], path: "f.nc").scale == 10)
        #expect(try DetectInput.conversion(.iwv, name: "tcwv", units: "kg m**-2", sample: [5, 30], path: "f.nc").scale == 1)
        #expect(throws: TaskError.self) { try DetectInput.conversion(.iwv, name: "q", units: "kg kg-1", sample: [0.01], path: "f.nc") }
        #expect(try DetectInput.conversion(.t500, name: "T", units: "C", sample: [-10, -20], path: "f.nc").offset == 273.15)
        #expect(try DetectInput.conversion(.t500, name: "T", units: "C", sample: [260, 250], path: "f.nc").offset == 0, "Kelvin values labelled C")
        #expect(try DetectInput.conversion(.u850, name: "u", units: "knots", sample: [10], path: "f.nc").scale == 0.514444)
    }
}

@Suite(.serialized) struct DetectJobTests {
    /// Two steps with a northern cyclone and a long river; the truth is what the labeller finds.
    func fixture(_ dir: URL) throws -> (path: String, fixture: DetectWeatherFixture, truth: [Int8]) {
        var f = DetectWeatherFixture(spacing: 3)
        f.addVortex(lat: 20, lon: 100, depth: 30, vmax: 30, rmax: 500, anticlockwise: true)
        f.addPlume(lat: 28, lon: 200, bearing: 50, length: 4000, sigma: 300)
        let truth = Labeller.label(f.fields, grid: f.grid, options: LabellerOptions()).mask
        let path = dir.appendingPathComponent("weather.nc").path
        try f.write(path, steps: 4, truth: truth)
        return (path, f, truth)
    }

    @Test func labelWritesAClassMaskThatMatchesTheTruth() throws {
        let dir = try detectTemporaryDirectory()
        let (path, _, truth) = try fixture(dir)
        #expect(truth.contains(1) && truth.contains(2))
        var r = LabelRequest(input: path, output: dir.appendingPathComponent("labels.nc").path)
        r.output.quiet = true; r.objects = dir.appendingPathComponent("objects.json").path
        let rep = try Labelling.run(r)
        #expect(rep.steps == 4 && rep.cyclones == 4 && rep.rivers == 4)
        #expect(rep.againstTruth!.classes["TC"]!.iou == 1 && rep.againstTruth!.classes["AR"]!.iou == 1)
        let file = try NetCDFFile(path: r.output.path)
        let v = try file.variable("class")
        #expect(v.dimensionNames == ["time", "lat", "lon"] && v.type == .byte)
        #expect(v.text("flag_meanings") == "none tropical_cyclone atmospheric_river")
        #expect(file.hasVariable("lat") && file.hasVariable("lon") && file.hasVariable("time"))
        let back = try MaskFile.read(r.output.path, grid: DetectWeatherFixture(spacing: 3).grid)
        #expect(back.count == 4 && back[2] == truth)
        let objects = try JSONDecoder().decode([DetectedObject].self, from: Data(contentsOf: URL(fileURLWithPath: r.objects!)))
        #expect(objects.filter { $0.eventClass == "TC" }.count == 4)
        // An existing output is not replaced without overwrite.
        #expect(throws: TaskError.self) { try Labelling.run(r) }
    }

    @Test func pressureInHectopascalLabelsTheSame() throws {
        let dir = try detectTemporaryDirectory()
        let (_, f, truth) = try fixture(dir)
        let path = dir.appendingPathComponent("hpa.nc").path
        try f.write(path, steps: 1, pslUnits: "hPa")
        var r = LabelRequest(input: path, output: dir.appendingPathComponent("l.nc").path)
        r.output.quiet = true
        let rep = try Labelling.run(r)
        #expect(rep.unitNotes.contains { $0.contains("Pa") })
        #expect(try MaskFile.read(r.output.path, grid: f.grid)[0] == truth)
    }

    @Test func badInputsFailWithOneClearMessage() throws {
        let dir = try detectTemporaryDirectory()
        let (_, f, _) = try fixture(dir)
        let noIWV = dir.appendingPathComponent("noiwv.nc").path
        try f.write(noIWV, steps: 1, skip: [.iwv])
        var r = LabelRequest(input: noIWV, output: dir.appendingPathComponent("x.nc").path)
        r.output.quiet = true
        #expect { try Labelling.run(r) } throws: { e in "\(e)".contains("no column water vapour variable") && "\(e)".contains("--iwv") }
        // Only cyclones asked for: IWV is not needed.
        r.options.labelAR = false
        #expect(try Labelling.run(r).rivers == 0)
        // A named variable that is not there.
        var named = LabelRequest(input: noIWV, output: dir.appendingPathComponent("y.nc").path)
        named.names.psl = "slp"; named.output.quiet = true
        #expect { try Labelling.run(named) } throws: { e in "\(e)".contains("no variable 'slp'") }
        // No lat/lon coordinates.
        let xy = dir.appendingPathComponent("xy.nc").path
        try f.write(xy, steps: 1, latLon: false)
        var g = LabelRequest(input: xy, output: dir.appendingPathComponent("z.nc").path)
        g.output.quiet = true
        #expect { try Labelling.run(g) } throws: { e in "\(e)".contains("grid without lat/lon") }
        // Surface pressure where sea-level pressure should be.
        var ps = f
        ps.psl = ps.psl.map { $0 - 30_000 }
        let psPath = dir.appendingPathComponent("ps.nc").path
        try ps.write(psPath, steps: 1)
        var p = LabelRequest(input: psPath, output: dir.appendingPathComponent("w.nc").path)
        p.output.quiet = true
        #expect { try Labelling.run(p) } throws: { e in "\(e)".contains("does not look like sea-level pressure") }
        #expect(!FileManager.default.fileExists(atPath: p.output.path))
    }

    @Test(arguments: [DetectModelKind.unet, .patchcnn])
    func trainDetectEvaluateEndToEnd(kind: DetectModelKind) throws {
        let dir = try detectTemporaryDirectory()
        let (path, _, _) = try fixture(dir)
        var t = DetectTrainRequest(input: path, output: dir.appendingPathComponent("m.h5").path)
        t.model = kind; t.base = 4; t.depth = 2; t.patch = kind == .unet ? 16 : 12; t.validateEvery = 4; t.run.quiet = true
        t.run.options.epochs = 2; t.run.options.stepsPerEpoch = 2; t.run.options.batchSize = 2
        let rep = try DetectTraining.run(t)
        #expect(rep.trainingSteps == [0, 1, 2] && rep.validationSteps == [3])
        #expect(rep.channels == ["PSL-zonal", "U850", "V850", "cyclonic-vorticity", "TMQ", "TMQ-zonal", "sin(lat)"])
        #expect(FileManager.default.fileExists(atPath: t.run.output))

        var d = DetectRequest(model: t.run.output, input: path, output: dir.appendingPathComponent("mask.nc").path)
        d.objects = dir.appendingPathComponent("objects.csv").path; d.figure = dir.appendingPathComponent("overlay.png").path; d.output.quiet = true
        let det = try DetectApplying.run(d)
        #expect(det.steps == 4)
        let mask = try NetCDFFile(path: d.output.path).variable("class")
        #expect(mask.shape == [4, 60, 120] && mask.attribute("flag_values") != nil)
        #expect(try String(contentsOfFile: d.objects!, encoding: .utf8).hasPrefix("step,time,class"))
        let png = try Data(contentsOf: URL(fileURLWithPath: d.figure!))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        var e = DetectEvaluateRequest(model: t.run.output, input: path)
        e.quiet = true
        let ev = try DetectEvaluating.run(e)
        #expect(ev.truthSource?.hasSuffix(":true_class") == true)
        if kind == .unet {
            #expect(ev.cnnVsLabels != nil && ev.cnnVsTruth != nil)
            #expect(ev.labellerVsTruth!.classes["TC"]!.iou == 1, "the fixture's truth is the labeller's answer")
        } else {
            #expect(ev.patchVsLabels!.patches > 0 && ev.patchVsLabels!.accuracy["TC"] != nil)
        }
        #expect(DetectEvaluating.table(ev).contains("labeller vs truth"))
        // A downscaling job refuses a detection checkpoint.
        #expect(throws: TaskError.self) { try DownscaleApplying.run(DownscaleApplyRequest(model: t.run.output, input: path, output: dir.appendingPathComponent("d.nc").path)) }
    }
}
