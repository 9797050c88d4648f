// Downscaling on archives: training on a split archive equals training on one file, evaluation of another file
// with the baselines stored at training, all-missing input steps written as fill, one output per input file with
// --resume, and the scientists' metrics (latitude weighting, percentile bias, variance ratio, power spectra).
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

/// Writes steps of a [T, H, W] field with the given time units and values (lat/lon as SyntheticClimate).
/// `factor`: the data are the 5-degree grid block-averaged by this factor (coordinates at the block centres).
func writeArchiveFile(_ path: String, name: String = "tas", data: Tensor, timeUnits: String, times: [Double], factor: Int = 1) throws {
    let (h, w) = (data.shape[1], data.shape[2])
    let wr = try NetCDFWriter(path: path, overwrite: true, history: "test")
    try wr.defineDimension("time", length: nil)
    var t = NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: timeUnits)
    t.fillValue = nil
    t.attributes = [NCAttribute("calendar", .text("standard"))]
    try wr.defineVariable(t)
    try wr.defineDimension("lat", length: h); try wr.defineDimension("lon", length: w)
    let (offset, spacing) = (2.5 * Double(factor - 1), 5.0 * Double(factor))
    for (dim, n, start, step, units) in [("lat", h, -40.0 + offset, spacing, "degrees_north"), ("lon", w, offset, spacing, "degrees_east")] {
        var d = NCVariableDefinition(name: dim, dimensions: [dim], type: .double, units: units)
        d.fillValue = nil
        try wr.defineVariable(d)
        try wr.write(dim, doubles: (0..<n).map { start + step * Double($0) })
    }
    try wr.defineVariable(NCVariableDefinition(name: name, dimensions: ["time", "lat", "lon"], units: "K"))
    for k in 0..<data.shape[0] { try wr.append(name, data.sliced(axis: 0, k..<(k + 1)).squeezed(0), time: times[k]) }
    try wr.finish()
}

@Suite(.serialized) struct DownscaleArchiveTests {
    /// The synthetic truth split into two files with other time units, given in reverse order.
    func splitTruth(_ s: SyntheticClimate) throws -> [String] {
        let all = try NetCDFFile(path: s.truth).read("tas")
        let a = s.dir.appendingPathComponent("tas_part1.nc").path, b = s.dir.appendingPathComponent("tas_part2.nc").path
        try writeArchiveFile(a, data: all.sliced(axis: 0, 0..<2).contiguous(), timeUnits: "days since 2000-01-01", times: [0, 30])
        try writeArchiveFile(b, data: all.sliced(axis: 0, 2..<6).contiguous(), timeUnits: "hours since 2000-03-01",
                             times: [60, 90, 120, 150].map { ($0 - 60) * 24 })
        return [b, a]
    }

    @Test func splitArchiveTrainsExactlyLikeOneFile() throws {
        let s = try SyntheticClimate()
        let one = s.dir.appendingPathComponent("one.h5").path, split = s.dir.appendingPathComponent("split.h5").path
        _ = try DownscaleTraining.run(s.request(one))
        var r = s.request(split)
        r.truths = try splitTruth(s)
        let report = try DownscaleTraining.run(r)
        #expect(report.truthFiles == 2 && report.warnings.isEmpty)
        let a = try Checkpoint.load(one), b = try Checkpoint.load(split)
        for (k, v) in a.weights { #expect(b.weights[k]?.scalars == v.scalars, "weight \(k) differs between the one-file and split archives") }
        #expect(a.extras["bcsd_model_quantiles"]?.scalars.count == b.extras["bcsd_model_quantiles"]?.scalars.count)
    }

    /// A paired coarse input must be the truth's steps: other times are refused in one line.
    @Test func pairedCoarseInputMustMatchTheTruthsTimes() throws {
        let s = try SyntheticClimate()
        let coarse = try Regrid.coarsen(try NetCDFFile(path: s.truth).read("tas"), factor: 4)
        let shifted = s.dir.appendingPathComponent("coarse_shifted.nc").path, same = s.dir.appendingPathComponent("coarse_same.nc").path
        try writeArchiveFile(shifted, data: coarse, timeUnits: "days since 2001-01-01", times: (0..<6).map { 30 * Double($0) }, factor: 4)
        try writeArchiveFile(same, data: coarse, timeUnits: "hours since 2000-01-01", times: (0..<6).map { 720 * Double($0) }, factor: 4)
        var r = s.request(s.dir.appendingPathComponent("m.h5").path)
        r.coarse = shifted
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }
        r.coarse = same
        _ = try DownscaleTraining.run(r)
    }

    /// A coarse predictor (here "psl", over a longer period than the truth) is matched by date, stored in the
    /// model, and required, on the right grid and with every date, wherever the model is applied or scored.
    @Test func predictorsAreMatchedByDateAndChecked() throws {
        let s = try SyntheticClimate()
        let coarse = try Regrid.coarsen(try NetCDFFile(path: s.truth).read("tas"), factor: 4).replacingNaN(with: 280)
        let padded = Tensor.concatenate([coarse.sliced(axis: 0, 0..<1), coarse, coarse.sliced(axis: 0, 5..<6)], axis: 0)
        let psl = s.dir.appendingPathComponent("psl.nc").path, pslShort = s.dir.appendingPathComponent("psl_short.nc").path
        try writeArchiveFile(psl, name: "psl", data: (padded * -40 + 112_000).contiguous(), timeUnits: "days since 2000-01-01",
                             times: (-1..<7).map { 30 * Double($0) })
        try writeArchiveFile(pslShort, name: "psl", data: coarse.sliced(axis: 0, 0..<3).contiguous(), timeUnits: "days since 2000-01-01", times: [0, 30, 60])
        let model = s.dir.appendingPathComponent("m.h5").path
        var r = s.request(model)
        r.predictors = [pslShort + ":psl"]
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }   // no step at 2000-04-30
        r.predictors = [s.truth + ":tas"]
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }   // the fine grid, not the coarse one
        r.predictors = [psl + ":psl"]
        _ = try DownscaleTraining.run(r)
        let spec = try Checkpoint.load(model).spec(DownscaleSpec.self)
        #expect(spec.predictorNames == ["psl"])
        let norm = try #require(spec.predictorNorms?.first)
        let expected = Standardization.fit(DownscaleTraining.select(coarse * -40 + 112_000, [0, 1, 3, 4]))
        #expect(abs(norm.mean - expected.mean) < 1e-2 && abs(norm.std - expected.std) < 1e-3)

        let coarseFile = s.dir.appendingPathComponent("coarse.nc").path
        try Coarsening.run(CoarsenRequest(input: s.truth + ":tas", factor: 4, output: coarseFile))
        var a = DownscaleApplyRequest(model: model, input: coarseFile, output: s.dir.appendingPathComponent("fine.nc").path)
        a.statics = [s.elevation]; a.output.quiet = true; a.predictors = [psl + ":psl"]
        #expect(try DownscaleApplying.run(a).steps == 6)
        a.predictors = []; a.output.path = s.dir.appendingPathComponent("fine2.nc").path
        #expect(throws: TaskError.self) { try DownscaleApplying.run(a) }   // the model needs psl
        var e = DownscaleEvaluateRequest(model: model, truth: s.truth)
        e.statics = [s.elevation]; e.predictors = [psl + ":psl"]
        #expect(try DownscaleEvaluating.run(e).methods["cnn"]?.rmse.isFinite == true)
    }

    /// A patch read as a window (with its halo) equals the same patch cut from the whole field's model input.
    @Test func windowedPatchesEqualCropsOfTheWholeField() throws {
        let s = try SyntheticClimate()
        let ds = try GridDataset([s.truth], variable: "tas")
        let orog = try NetCDFFile(path: s.elevation).read("orog")
        let truth = try ds.readAll()
        let reader = DownscaleStepReader(truth: ds, coarse: nil, factor: 4)
        let stats = try DownscaleStatistics(reader: reader, training: [0, 1, 3, 4], height: 16, width: 32, interpolation: .bicubic, quiet: true)
        #expect(stats.fieldNorm == Standardization.fit(DownscaleTraining.select(truth, [0, 1, 3, 4])))
        let spec = DownscaleSpec(variable: "tas", units: "K", longName: nil, standardName: nil, factor: 4, interpolation: .bicubic,
                                 fieldNorm: stats.fieldNorm, staticNames: ["orog"], staticNorms: [.fit(orog)], fineHeight: 16, fineWidth: 32,
                                 validationSteps: [2, 5], trainingSteps: [0, 1, 3, 4], truthPath: nil, patchSize: 8, useClimatology: true)
        let inputs = try DownscaleInputs(spec: spec, statics: [orog], climatology: stats.climatology)
        let interp = inputs.interpolate(try Regrid.coarsen(truth, factor: 4))
        let whole = inputs.modelInput(interpolated: interp)
        let residual = ((truth - inputs.firstGuess(interpolated: interp)) * (1 / spec.fieldNorm.std)).unsqueezed(1)
        let sampler = DownscaleWindowPatches(reader: reader, inputs: inputs, steps: [0, 1, 3, 4], patch: 8)
        for (t, y, x) in [(0, 0, 0), (1, 8, 24), (3, 5, 13), (4, 3, 17)] {
            let (inp, tgt) = sampler.sample(t: t, y: y, x: x)
            let cut = { (a: Tensor) in a.sliced(axis: 0, t..<(t + 1)).sliced(axis: 2, y..<(y + 8)).sliced(axis: 3, x..<(x + 8)).contiguous() }
            #expect(inp.scalars == cut(whole).scalars, "input at t=\(t) y=\(y) x=\(x)")
            #expect(zip(tgt.scalars, cut(residual).scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "target at t=\(t) y=\(y) x=\(x)")
        }
    }

    @Test func evaluationOfAnotherFileUsesTheStoredBaselines() throws {
        let s = try SyntheticClimate()
        let model = s.dir.appendingPathComponent("m.h5").path
        _ = try DownscaleTraining.run(s.request(model))
        // Another "scenario": the same pattern 10 K warmer, 4 steps, none of them the training file's.
        let base = try NetCDFFile(path: s.truth).read("tas")
        let warmer = s.dir.appendingPathComponent("tas_warm.nc").path
        try writeArchiveFile(warmer, data: (base.sliced(axis: 0, 0..<4) + 10).contiguous(), timeUnits: "days since 2050-01-01", times: [0, 1, 2, 3])
        var e = DownscaleEvaluateRequest(model: model, truth: warmer)
        e.statics = [s.elevation]
        let ev = try DownscaleEvaluating.run(e)
        #expect(ev.steps == [0, 1, 2, 3])
        #expect(ev.baselinesFittedOn == "training")
        #expect(Set(ev.methods.keys) == ["climatology", "bilinear", "bicubic", "bcsd", "cnn"])
        // The training climatology is colder than this file: fitted on the scored file its bias would be ~0.
        let clim = try #require(ev.methods["climatology"])
        let ck = try Checkpoint.load(model)
        let stored = try #require(BCSD(ck.extras))
        let truthMean = base.sliced(axis: 0, 0..<4).scalars.filter { !$0.isNaN }.reduce(0.0) { $0 + Double($1) } / Double(clim.points) + 10
        let climMean = stored.climatology.scalars.reduce(0.0) { $0 + Double($1) } / Double(stored.climatology.count)
        #expect(abs(clim.bias - (climMean - truthMean)) < 0.05, "climatology bias \(clim.bias) vs \(climMean - truthMean)")
        #expect(clim.bias < -2)
        // The BCSD prediction is the stored baseline's.
        let truth = try NetCDFFile(path: warmer).read("tas")
        let expected = Metrics.scores(prediction: stored.predict(try Regrid.coarsen(truth, factor: 4)) + truth.map { $0.isNaN ? Float.nan : 0 }, truth: truth)
        let bcsdScores = try #require(ev.methods["bcsd"])
        #expect(abs(bcsdScores.rmse - expected.rmse) < 1e-9)
        // A period selects by date; steps outside it are not scored.
        e.period = "2050-01-02:2050-01-03"
        #expect(try DownscaleEvaluating.run(e).steps == [1, 2])
        e.period = "2060:2061"
        #expect(throws: TaskError.self) { try DownscaleEvaluating.run(e) }

        // A model saved without baselines (as before they were stored) still scores, fitting on unscored steps.
        var old = ck
        for k in ck.extras.keys where k.hasPrefix("bcsd_") { old.extras[k] = nil }
        let oldPath = s.dir.appendingPathComponent("old.h5").path
        try old.save(to: oldPath)
        var o = DownscaleEvaluateRequest(model: oldPath, truth: s.truth)
        o.statics = [s.elevation]
        let oe = try DownscaleEvaluating.run(o)
        #expect(oe.baselinesFittedOn == "scored-file" && oe.steps == [2, 5] && oe.methods["climatology"] == nil)
        var all = DownscaleEvaluateRequest(model: oldPath, truth: warmer)
        all.statics = [s.elevation]
        #expect(throws: TaskError.self) { try DownscaleEvaluating.run(all) }   // every step scored: nothing left to fit on
    }

    @Test func allMissingStepIsWrittenAsFillAndFoldersResume() throws {
        let s = try SyntheticClimate()
        let model = s.dir.appendingPathComponent("m.h5").path
        _ = try DownscaleTraining.run(s.request(model))
        var coarse = try Regrid.coarsen(try NetCDFFile(path: s.truth).read("tas"), factor: 4)
        coarse.withUnsafeMutableBufferPointer { p in for i in (2 * 32)..<(3 * 32) { p[i] = .nan } }   // step 2: 4x8 all missing
        let c1 = s.dir.appendingPathComponent("coarse_a.nc").path, c2 = s.dir.appendingPathComponent("coarse_b.nc").path
        try writeArchiveFile(c1, data: coarse.sliced(axis: 0, 0..<3).contiguous(), timeUnits: "days since 2000-01-01", times: [0, 30, 60], factor: 4)
        try writeArchiveFile(c2, data: coarse.sliced(axis: 0, 3..<6).contiguous(), timeUnits: "days since 2000-01-01", times: [90, 120, 150], factor: 4)

        // One file from the two inputs.
        let single = s.dir.appendingPathComponent("fine.nc").path
        var a = DownscaleApplyRequest(model: model, input: s.dir.appendingPathComponent("coarse_*.nc").path, output: single)
        a.statics = [s.elevation]; a.output.quiet = true
        let report = try DownscaleApplying.run(a)
        #expect(report.steps == 6 && report.missingSteps == 1 && report.outputs == [single])
        #expect(report.warnings.contains { $0.contains("all missing") })
        let f = try NetCDFFile(path: single)
        let values = try f.read("tas")
        for k in 0..<6 {
            let nan = values.sliced(axis: 0, k..<(k + 1)).contiguous().scalars.filter(\.isNaN).count
            #expect(nan == (k == 2 ? 16 * 32 : 0), "step \(k): \(nan) missing")
        }
        #expect(try f.readDoubles("time") == [0, 30, 60, 90, 120, 150])

        // One output per input file under a folder; the same values as the single file.
        let folder = s.dir.appendingPathComponent("out").path + "/"
        a.output.path = folder
        let perFile = try DownscaleApplying.run(a)
        #expect(perFile.outputs == [folder + "coarse_a.nc", folder + "coarse_b.nc"])
        let b = try NetCDFFile(path: folder + "coarse_b.nc")
        let second = values.sliced(axis: 0, 3..<6).contiguous().scalars
        #expect(try b.read("tas").scalars == second)
        #expect(try b.readDoubles("time") == [90, 120, 150])

        // --resume after a run that stopped before the second file: only that one is written.
        try FileManager.default.removeItem(atPath: folder + "coarse_b.nc")
        a.resume = true
        let resumed = try DownscaleApplying.run(a)
        #expect(resumed.skippedOutputs == [folder + "coarse_a.nc"] && resumed.outputs == [folder + "coarse_b.nc"] && resumed.steps == 6)
        #expect(try NetCDFFile(path: folder + "coarse_b.nc").read("tas").scalars == second)
        // A file there that this model did not write is never replaced by --resume.
        try Data("not ours".utf8).write(to: URL(fileURLWithPath: folder + "coarse_a.nc"))
        #expect(throws: TaskError.self) { try DownscaleApplying.run(a) }
        #expect(try String(contentsOfFile: folder + "coarse_a.nc", encoding: .utf8) == "not ours")
        // Writing over an input is refused.
        var onto = DownscaleApplyRequest(model: model, input: c1, output: c1)
        onto.statics = [s.elevation]; onto.output.quiet = true; onto.output.overwrite = true
        #expect(throws: TaskError.self) { try DownscaleApplying.run(onto) }
    }

    @Test func scientistsMetricsByHand() throws {
        // Rows at latitudes 0 and 60 (weights 1 and 0.5); errors 1 on row 0 and 3 on row 1.
        let truth = Tensor(shape: [1, 2, 2], scalars: [0, 0, 0, 0])
        let pred = Tensor(shape: [1, 2, 2], scalars: [1, 1, 3, 3])
        let s = Metrics.scores(prediction: pred, truth: truth, latitudes: [0, 60])
        #expect(abs(s.rmse - 5.0.squareRoot()) < 1e-9)
        let weighted: Double = try #require(s.latitudeWeightedRMSE)
        let expectedWeighted: Double = ((1.0 * 1.0 + 0.5 * 9.0) / 1.5).squareRoot()
        #expect(abs(weighted - expectedWeighted) < 1e-6)
        // Twice the anomalies: variance ratio 4; shifted by 1: both percentile biases 1.
        let t = Tensor(shape: [1, 10, 10], scalars: (0..<100).map { Float($0) })
        let doubled = Metrics.scores(prediction: t * 2 - 99, truth: t)
        let ratio: Double = try #require(doubled.varianceRatio)
        #expect(abs(ratio - 4) < 1e-6)
        let shifted = Metrics.scores(prediction: t + 1, truth: t)
        let p2: Double = try #require(shifted.p2Bias), p98: Double = try #require(shifted.p98Bias)
        #expect(abs(p2 - 1) < 1e-6 && abs(p98 - 1) < 1e-6)
        let doubledP98: Double = try #require(doubled.p98Bias)
        let expectedP98: Double = 2.0 * 0.98 * 99.0 - 99.0 - 0.98 * 99.0
        #expect(abs(doubledP98 - expectedP98) < 1e-4)
    }

    @Test func powerSpectrumPeaksAtTheWaveOfAField() throws {
        // A wave of wavelength 8 cells along x on a 24x48 grid: all power in the ring at 1/8 cycles per cell.
        let (h, w) = (24, 48)
        let wave = Tensor(shape: [1, h, w], scalars: (0..<(h * w)).map { Float(sin(2 * Double.pi * Double($0 % w) / 8)) })
        let smooth = wave * 0.5
        let ps = try #require(PowerSpectra(truth: wave, predictions: ["cnn": wave, "bicubic": smooth]))
        let peak = ps.truth.indices.max { ps.truth[$0] < ps.truth[$1] }!
        #expect(abs(ps.frequencies[peak] - 1.0 / 8) <= 0.51 / Double(h))
        #expect(ps.truth.enumerated().filter { $0.offset != peak }.allSatisfy { $0.element < 1e-6 * ps.truth[peak] })
        // Parseval: the ring sums give the field's variance (0.5 for a unit sine), and half the amplitude a quarter of the power.
        #expect(abs(ps.methods["bicubic"]![peak] / ps.truth[peak] - 0.25) < 1e-9)
        // A direct DFT agrees with the mixed-radix one.
        let x = (0..<12).map { Double($0 * $0 % 7) }
        let (fr, fi) = SpectrumDFT.transform(x, [Double](repeating: 0, count: 12)), (dr, di) = SpectrumDFT.direct(x, [Double](repeating: 0, count: 12))
        for k in 0..<12 { #expect(abs(fr[k] - dr[k]) < 1e-9 && abs(fi[k] - di[k]) < 1e-9) }
    }
}
