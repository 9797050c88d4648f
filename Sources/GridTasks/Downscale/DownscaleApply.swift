// `gridcnn downscale`: apply a trained model to coarse fields, one time step at a time (bounded memory), tiling
// large grids with a halo, and write CF NetCDF on the fine grid: coordinates, units, _FillValue where the input was
// missing, provenance. The output appears under its name only when complete.
import Foundation
import GridTensor
import GridNN
import GridIO
import GridTrain

public struct DownscaleApplyRequest {
    public var model: String
    /// Coarse input: files, globs or @lists (FILE or FILE:VAR each), one dataset ordered by time.
    public var inputs: [String]
    public var input: String { get { inputs[0] } set { inputs = [newValue] } }
    public var variable: String?
    public var statics: [String] = []
    /// Coarse predictors as in training (FILE_OR_GLOB:VAR each, same order), matched to the input's steps by date.
    public var predictors: [String] = []
    /// Where the result goes (a file, or a folder: one output per input file, same names), overwrite, quiet,
    /// provenance.
    public var output: OutputSettings
    public var tile = 256
    public var allowOtherVariable = false
    /// Skip outputs already complete (written by this model, every step there); write the rest.
    public var resume = false
    public init(model: String, input: String, output: String) { self.model = model; self.inputs = [input]; self.output = OutputSettings(path: output, history: "gridcnn downscale") }
}

public struct DownscaleApplyReport: Codable {
    public var steps: Int
    public var fineHeight: Int
    public var fineWidth: Int
    /// The output file, or the folder of per-file outputs.
    public var output: String
    public var outputs: [String]
    /// Outputs left as they were by --resume (complete from an earlier run).
    public var skippedOutputs: [String]
    /// Input steps with no valid value (written as fill) and with some missing values (fill there).
    public var missingSteps: Int
    public var partlyMissingSteps: Int
    public var seconds: Double
    public var warnings: [String]
}

public enum DownscaleApplying {
    public static func run(_ r: DownscaleApplyRequest) throws -> DownscaleApplyReport {
        let started = Date()
        let trained = try TrainedModel<DownscaleSpec>(checkpoint: r.model, task: "downscale")
        let (ck, spec, multiple) = (trained.checkpoint, trained.spec, trained.inputMultiple)
        let model = InferencePlan(trained.model)   // compiled once per tile shape, reused for every step
        let named = FieldLoader.splitSpec(r.inputs[0]).variable
        let ds = try FieldLoader.dataset(r.inputs, variable: r.variable ?? named ?? spec.variable, quiet: r.output.quiet)
        let name = ds.name
        if name != spec.variable && !r.allowOtherVariable {
            throw TaskError("\(r.model) was trained for '\(spec.variable)' but the input variable is '\(name)' (pass --allow-other-variable to apply it anyway)")
        }
        if let u = ds.units, let trained = spec.units, u != trained {
            throw TaskError("\(ds.label): '\(name)' is in \(u) but the model was trained on \(trained)")
        }
        let (h, w) = (ds.height * spec.factor, ds.width * spec.factor)
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w,
                                                  grid: "\(ds.label) (\(ds.height)x\(ds.width)) times factor \(spec.factor)")
        var localSpec = spec
        localSpec.fineHeight = h; localSpec.fineWidth = w
        let inputs = try DownscaleInputs(spec: localSpec, statics: statics.map { $0.data.squeezed(0) }, climatology: DownscaleClimatology(ck.extras))
        let predictors = try DownscalePredictors(r.predictors, base: ds, coarseHeight: ds.height, coarseWidth: ds.width, quiet: r.output.quiet)
        try predictors.check(against: spec)
        let checksum = try SHA256.hex(file: r.model)
        let plan = try DownscaleOutputPlan(ds, output: r.output.path)

        let progress = ProgressReporter("downscale", total: ds.count, quiet: r.output.quiet)
        var done = 0, missing = 0, partly = 0, written = [String](), skipped = [String](), warnings = ds.warnings
        for unit in plan.units {
            if r.resume, try DownscaleOutputPlan.isComplete(unit.path, variable: name, steps: unit.steps.count, modelChecksum: checksum) {
                skipped.append(unit.path); done += unit.steps.count; progress.update(done); continue
            }
            let source = ds.members[unit.member]
            let header = FieldLoader.header(ds, member: unit.member)
            // Under MPI the ranks downscale every N-th step and the first rank writes them all, in order.
            let group = r.output.group
            var writer: NetCDFWriter?
            if group.isRoot {
                let out = try NetCDFWriter(path: unit.path, overwrite: r.output.overwrite, history: r.output.history, attributes: [
                    NCAttribute("source", .text("gridcnn \(r.output.version) downscaling (\(ck.modelKind)) of \(unit.sourceLabel)")),
                    NCAttribute("gridcnn_version", .text(r.output.version)),
                    NCAttribute("gridcnn_model", .text(r.model)),
                    NCAttribute("gridcnn_model_sha256", .text(checksum)),
                    NCAttribute("gridcnn_downscaling_factor", .ints([Int64(spec.factor)])),
                ])
                let (dims, attrs) = try FineGrid.define(in: out, coarse: header, factor: spec.factor, statics: statics, source: source.file)
                var def = NCVariableDefinition(name: name, dimensions: dims, type: .float, units: spec.units ?? ds.units,
                                               longName: spec.longName ?? ds.longName, standardName: spec.standardName ?? ds.standardName)
                def.attributes = attrs + [NCAttribute("comment", .text("downscaled by factor \(spec.factor) with a \(ck.modelKind) CNN from \(unit.sourceLabel)"))]
                try out.defineVariable(def)
                writer = out
            }
            try RankedSteps(group).run(steps: unit.steps.count, compute: { k -> DownscaledStep in
                let step = unit.steps[k]
                let coarse = try ds.read(step: step).reshaped([1, ds.height, ds.width])
                let valid = coarse.scalars.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                // Missing in, missing out: one gap in a long archive must not lose the run.
                guard valid > 0 else { return DownscaledStep(values: [Float](repeating: .nan, count: h * w), allMissing: true, partlyMissing: false) }
                let missingFine = Regrid.interpolate(coarse.isNaNMask(), height: h, width: w, method: .nearest)
                let interp = inputs.interpolate(coarse)
                let extra = try predictors.interpolated(steps: [step], height: h, width: w, method: spec.interpolation)
                let residual = TiledInference.run(model, inputs.modelInput(interpolated: interp, predictors: extra), tile: r.tile, multiple: multiple)
                let fine = Tensor.zip(inputs.reconstruct(interpolated: interp, residual: residual), missingFine) { $1 > 0.5 ? .nan : $0 }
                return DownscaledStep(values: fine.contiguous().scalars, allMissing: false, partlyMissing: valid < coarse.count)
            }, consume: { k, result in
                let step = unit.steps[k]
                if result.allMissing {
                    missing += 1
                    if missing <= 10 { warnings.append("step \(step)\(ds.dates.map { " (\($0[step]))" } ?? "") of \(ds.members[ds.steps[step].member].path) is all missing; written as fill") }
                }
                if result.partlyMissing { partly += 1 }
                try writer?.append(name, Tensor(shape: [h, w], scalars: result.values), time: header.timeDimension != nil ? plan.time(of: step) : nil)
                done += 1
                progress.update(done)
            })
            try writer?.finish()
            written.append(unit.path)
        }
        if missing > 10 { warnings.append("\(missing - 10) more all-missing step(s) written as fill") }
        if !r.output.quiet { for wline in warnings.dropFirst(ds.warnings.count) { writeStderr("warning: \(wline)\n") } }
        return DownscaleApplyReport(steps: done, fineHeight: h, fineWidth: w, output: r.output.path, outputs: written, skippedOutputs: skipped,
                                    missingSteps: missing, partlyMissingSteps: partly, seconds: Date().timeIntervalSince(started), warnings: warnings)
    }
}

/// One downscaled step as it travels to the rank that writes: the fine field and what was missing in the input.
struct DownscaledStep: StepPayload {
    var values: [Float]
    var allMissing: Bool
    var partlyMissing: Bool

    func payloadBytes() throws -> [UInt8] { [allMissing ? 1 : 0, partlyMissing ? 1 : 0] + (try values.payloadBytes()) }
    init(values: [Float], allMissing: Bool, partlyMissing: Bool) {
        self.values = values; self.allMissing = allMissing; self.partlyMissing = partlyMissing
    }
    init(payloadBytes b: [UInt8]) throws {
        guard b.count >= 2 else { throw TaskError("a downscaled step arrived damaged (\(b.count) bytes)") }
        allMissing = b[0] == 1; partlyMissing = b[1] == 1
        values = try [Float](payloadBytes: Array(b.dropFirst(2)))
    }
}
