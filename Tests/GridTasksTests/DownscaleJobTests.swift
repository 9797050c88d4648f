// The downscaling job end to end on small synthetic files: train, apply, evaluate, and the bad inputs a user
// will hit (wrong grid, wrong variable, all missing, existing output, wrong checkpoint).
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

/// A 6-step 16x32 temperature field with a lapse-rate signal from a synthetic elevation, plus that elevation.
struct SyntheticClimate {
    let dir: URL
    var truth: String { dir.appendingPathComponent("tas.nc").path }
    var elevation: String { dir.appendingPathComponent("orog.nc").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-ds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let (h, w, t) = (16, 32, 6)
        var rng = SeededGenerator(seed: 9)
        let orog = Tensor.uniform([h, w], low: 0, high: 3000, rng: &rng)
        var steps = [Tensor]()
        for k in 0..<t {
            let seasonal = Tensor(repeating: 280 + 5 * Float(k), shape: [h, w])
            let lat = Tensor(shape: [h, w], scalars: (0..<(h * w)).map { Float($0 / w) * -1.5 })
            steps.append(seasonal + lat - orog * 0.0065)
        }
        var field = Tensor.stack(steps, axis: 0)
        field.withUnsafeMutableBufferPointer { $0[3] = .nan }   // one missing point
        try Self.write(truth, name: "tas", data: field, units: "K", time: true)
        try Self.write(elevation, name: "orog", data: orog.unsqueezed(0), units: "m", time: false)
    }

    static func write(_ path: String, name: String, data: Tensor, units: String, time: Bool) throws {
        let (t, h, w) = (data.shape[0], data.shape[1], data.shape[2])
        let wr = try NetCDFWriter(path: path, overwrite: true, history: "test")
        if time {
            try wr.defineDimension("time", length: nil)
            try wr.defineVariable(NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: "days since 2000-01-01"))
        }
        try wr.defineDimension("lat", length: h); try wr.defineDimension("lon", length: w)
        var lat = NCVariableDefinition(name: "lat", dimensions: ["lat"], type: .double, units: "degrees_north", standardName: "latitude")
        lat.fillValue = nil
        var lon = NCVariableDefinition(name: "lon", dimensions: ["lon"], type: .double, units: "degrees_east", standardName: "longitude")
        lon.fillValue = nil
        try wr.defineVariable(lat); try wr.defineVariable(lon)
        try wr.write("lat", doubles: (0..<h).map { -40 + 5 * Double($0) })
        try wr.write("lon", doubles: (0..<w).map { 5 * Double($0) })
        try wr.defineVariable(NCVariableDefinition(name: name, dimensions: (time ? ["time"] : []) + ["lat", "lon"], units: units))
        if time {
            for k in 0..<t { try wr.append(name, data.sliced(axis: 0, k..<(k + 1)).squeezed(0), time: Double(30 * k)) }
        } else {
            try wr.write(name, data.squeezed(0))
        }
        try wr.finish()
    }

    func request(_ out: String) -> DownscaleTrainRequest {
        var r = DownscaleTrainRequest(truth: truth, output: out)
        r.variable = "tas"; r.statics = [elevation]; r.factor = 4; r.patch = 16; r.validateEvery = 3
        r.run.options.epochs = 2; r.run.options.stepsPerEpoch = 3; r.run.options.batchSize = 2; r.run.quiet = true
        r.model = .srcnn; r.width = 8
        return r
    }
}

@Suite(.serialized) struct DownscaleJobTests {
    @Test func trainApplyEvaluate() throws {
        let s = try SyntheticClimate()
        let model = s.dir.appendingPathComponent("m.h5").path
        let report = try DownscaleTraining.run(s.request(model))
        #expect(report.validationSteps == [2, 5] && report.trainingSteps == [0, 1, 3, 4])
        #expect(FileManager.default.fileExists(atPath: model))

        // Apply to a coarse file made by the coarsen command; the output is on the fine grid with NaN restored.
        let coarse = s.dir.appendingPathComponent("coarse.nc").path
        try Coarsening.run(CoarsenRequest(input: s.truth + ":tas", factor: 4, output: coarse))
        let out = s.dir.appendingPathComponent("fine.nc").path
        var a = DownscaleApplyRequest(model: model, input: coarse, output: out)
        a.statics = [s.elevation]; a.output.quiet = true
        let applied = try DownscaleApplying.run(a)
        #expect(applied.steps == 6 && applied.fineHeight == 16 && applied.fineWidth == 32)
        let f = try NetCDFFile(path: out)
        let v = try f.variable("tas")
        #expect(v.shape == [6, 16, 32])
        #expect(v.text("units") == "K")
        #expect(f.attribute("Conventions")?.string == "CF-1.8")
        #expect(f.attribute("gridcnn_model_sha256")?.string?.count == 64)
        let values = try f.read("tas")
        #expect(values.scalars.filter(\.isNaN).count == 0)   // the coarse cell with one gap is still valid
        #expect(try f.readDoubles("lat").count == 16)

        var e = DownscaleEvaluateRequest(model: model, truth: s.truth)
        e.variable = "tas"; e.statics = [s.elevation]
        let ev = try DownscaleEvaluating.run(e)
        #expect(Set(ev.methods.keys) == ["climatology", "bilinear", "bicubic", "bcsd", "cnn"])
        #expect(ev.baselinesFittedOn == "training")
        #expect(ev.steps == [2, 5])
        #expect(ev.methods.values.allSatisfy { $0.rmse.isFinite && $0.points == 2 * 16 * 32 })
    }

    /// Ctrl-C at step 4, then --resume: the same final weights as one uninterrupted run.
    @Test func interruptedRunResumesExactly() throws {
        let s = try SyntheticClimate()
        let straight = s.dir.appendingPathComponent("straight.h5").path
        var r = s.request(straight)
        r.validateEvery = 3
        _ = try DownscaleTraining.run(r)
        let out = s.dir.appendingPathComponent("resumed.h5").path
        var first = s.request(out)
        first.validateEvery = 3; first.run.stopAtStep = 4
        #expect(throws: TrainingInterrupted.self) { try DownscaleTraining.run(first) }
        #expect(!FileManager.default.fileExists(atPath: out), "an interrupted run must not leave a model under the final name")
        #expect(FileManager.default.fileExists(atPath: first.run.interruptedPath))
        var second = s.request(out)
        second.validateEvery = 3; second.run.resume = first.run.interruptedPath
        _ = try DownscaleTraining.run(second)
        #expect(!FileManager.default.fileExists(atPath: first.run.interruptedPath))
        let a = try Checkpoint.load(straight), b = try Checkpoint.load(out)
        #expect(a.trainingState.step == b.trainingState.step && a.trainingState.bestScore == b.trainingState.bestScore)
        #expect(a.contentChecksum == b.contentChecksum)
        for (k, v) in a.weights { #expect(b.weights[k]?.scalars == v.scalars, "weight \(k) differs after resume") }
    }

    @Test func badInputsGiveOneLineErrorsAndNoPartialOutput() throws {
        let s = try SyntheticClimate()
        let model = s.dir.appendingPathComponent("m.h5").path
        var r = s.request(model)
        r.factor = 3
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }   // 3 does not divide 16x32
        r = s.request(model); r.variable = "pr"
        #expect(throws: GridIOError.self) { try DownscaleTraining.run(r) } // no such variable
        #expect(!FileManager.default.fileExists(atPath: model))

        // A static field on another grid.
        let other = s.dir.appendingPathComponent("orog8.nc").path
        try SyntheticClimate.write(other, name: "orog", data: Tensor(zeros: [1, 8, 8]), units: "m", time: false)
        r = s.request(model); r.statics = [other]
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }

        // All-missing field.
        let empty = s.dir.appendingPathComponent("empty.nc").path
        try SyntheticClimate.write(empty, name: "tas", data: Tensor(repeating: .nan, shape: [2, 16, 32]), units: "K", time: true)
        r = s.request(model); r.truth = empty
        #expect(throws: TaskError.self) { try DownscaleTraining.run(r) }

        // Existing output is kept without --overwrite.
        _ = try DownscaleTraining.run(s.request(model))
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        #expect(throws: TaskError.self) { try DownscaleTraining.run(s.request(model)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)

        // Apply: output exists -> refused, nothing changed; a coarse grid that does not match the statics -> error.
        let out = s.dir.appendingPathComponent("fine.nc").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: out))
        var a = DownscaleApplyRequest(model: model, input: s.truth, output: out)
        a.statics = [s.elevation]; a.output.quiet = true
        #expect(throws: (any Error).self) { try DownscaleApplying.run(a) }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
        a.output.overwrite = true   // input is the fine field: 16x32 x 4 = 64x128 does not match the 16x32 elevation
        #expect(throws: TaskError.self) { try DownscaleApplying.run(a) }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")

        // A model trained for tas applied to another variable.
        let pr = s.dir.appendingPathComponent("pr.nc").path
        try SyntheticClimate.write(pr, name: "pr", data: Tensor(ones: [2, 4, 8]), units: "kg m-2 s-1", time: true)
        var otherVariable = DownscaleApplyRequest(model: model, input: pr, output: s.dir.appendingPathComponent("pr_fine.nc").path)
        otherVariable.statics = [s.elevation]; otherVariable.output.quiet = true
        #expect(throws: GridIOError.self) { try DownscaleApplying.run(otherVariable) }   // no tas in pr.nc
        otherVariable.variable = "pr"
        #expect(throws: TaskError.self) { try DownscaleApplying.run(otherVariable) }

        // A checkpoint that is not a downscaling model, and a file that is not a checkpoint.
        #expect(throws: TrainError.self) { try DownscaleEvaluating.run(DownscaleEvaluateRequest(model: s.truth, truth: s.truth)) }
    }
}
