// `gridcnn downscale`: apply a trained model to coarse fields, one time step at a time (bounded memory), tiling
// large grids with a halo, and write CF NetCDF on the fine grid: coordinates, units, _FillValue where the input was
// missing, provenance. The output appears under its name only when complete.
import Foundation
import GridTensor
import GridNN
import GridIO
import GridTrain

/// What `gridcnn downscale` needs: a downscaling checkpoint, coarse input and where to write the fine fields. Used by
/// Examples/apply-checkpoint.
public struct DownscaleApplyRequest {
    /// The checkpoint written by `DownscaleTraining.run` (HDF5).
    public var model: String
    /// Coarse input: files, globs or @lists (FILE or FILE:VAR each), one dataset ordered by time.
    public var inputs: [String]
    /// The first (or only) input spec; setting it replaces `inputs` with one spec.
    public var input: String { get { inputs[0] } set { inputs = [newValue] } }
    /// The input variable; nil: the one named in the specs, else the model's variable.
    public var variable: String?
    /// Static fields on the fine grid, as in training (same order).
    public var statics: [String] = []
    /// Coarse predictors as in training (FILE_OR_GLOB:VAR each, same order), matched to the input's steps by date.
    public var predictors: [String] = []
    /// Where the result goes (a file, or a folder: one output per input file, same names), overwrite, quiet,
    /// provenance.
    public var output: OutputSettings
    /// Tile size (fine cells) for grids larger than one pass; tiles overlap by a halo so results equal one pass.
    public var tile = 256
    /// Apply to a variable of another name than the model's (default false: refused).
    public var allowOtherVariable = false
    /// Skip outputs already complete (written by this model, every step there); write the rest.
    public var resume = false
    /// A request writing to `output` without replacing an existing file (history "gridcnn downscale").
    public init(model: String, input: String, output: String) { self.model = model; self.inputs = [input]; self.output = OutputSettings(path: output, history: "gridcnn downscale") }
}

/// What `DownscaleApplying.run` did (printed with `--json` under the property names).
public struct DownscaleApplyReport: Codable {
    /// Time steps downscaled.
    public var steps: Int
    /// Rows of the fine grid written.
    public var fineHeight: Int
    /// Columns of the fine grid written.
    public var fineWidth: Int
    /// The output file, or the folder of per-file outputs.
    public var output: String
    /// Every file written.
    public var outputs: [String]
    /// Outputs left as they were by --resume (complete from an earlier run).
    public var skippedOutputs: [String]
    /// Input steps with no valid value (written as fill) and with some missing values (fill there).
    public var missingSteps: Int
    /// Input steps with some missing values (fill at those points).
    public var partlyMissingSteps: Int
    /// Wall-clock seconds of the whole job.
    public var seconds: Double
    /// What the input dataset reported (gaps, overlaps) and other remarks.
    public var warnings: [String]
    /// What the data contract check adapted, skipped and warned about (statistics of the steps written).
    public var contract: ContractCheck
}

/// `gridcnn downscale`: applies a trained model to coarse fields.
public enum DownscaleApplying {
    /// Streams the input one time step at a time (bounded memory), tiles large grids with a halo, and writes CF NetCDF on
    /// the fine grid (coordinates, units, _FillValue where the input was missing, provenance) atomically: one file, or one
    /// per input file into a folder. Prints progress unless quiet.
    /// - Throws: `TaskError` when an output exists without `overwrite`, the checkpoint is not a downscaling model, the input
    /// variable, units, grid or statics do not fit the model, or predictors are missing for a step.
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
        var predictors = try DownscalePredictors(r.predictors, base: ds, coarseHeight: ds.height, coarseWidth: ds.width, quiet: r.output.quiet)
        try predictors.check(against: spec)
        // The data contract: units converted, rows and columns in the model's order (results go back), or one line.
        let adaptation = try DownscaleAdaptation(spec: spec, input: ds, predictors: predictors.datasets, fine: false)
        let finePermutation = adaptation.permutation.refined(spec.factor)
        if !r.output.quiet { adaptation.check.printAdaptations("downscale") }
        let (h, w) = (ds.height * spec.factor, ds.width * spec.factor)
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w,
                                                  grid: "\(ds.label) (\(ds.height)x\(ds.width)) times factor \(spec.factor)",
                                                  latitudes: ds.latitudes)
        var localSpec = spec
        localSpec.fineHeight = h; localSpec.fineWidth = w
        let inputs = try DownscaleInputs(spec: localSpec, statics: statics.map { finePermutation.toModel($0.data.squeezed(0)) },
                                         climatology: DownscaleClimatology(ck.extras))
        predictors.adapt = { p, x in adaptation.toModel(x, channel: 1 + p) }
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
                var def = NCVariableDefinition(name: name, dimensions: dims, type: .float, units: adaptation.units.isIdentity ? spec.units ?? ds.units : ds.units,
                                               longName: spec.longName ?? ds.longName, standardName: spec.standardName ?? ds.standardName)
                def.attributes = attrs + [NCAttribute("comment", .text("downscaled by factor \(spec.factor) with a \(ck.modelKind) CNN from \(unit.sourceLabel)"))]
                try out.defineVariable(def)
                writer = out
            }
            try RankedSteps(group).run(steps: unit.steps.count, compute: { k -> DownscaledStep in
                let step = unit.steps[k]
                let coarse = adaptation.toModel(try ds.read(step: step).reshaped([1, ds.height, ds.width]))
                let valid = coarse.scalars.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                // Missing in, missing out: one gap in a long archive must not lose the run.
                guard valid > 0 else { return DownscaledStep(values: [Float](repeating: .nan, count: h * w), allMissing: true, partlyMissing: false) }
                let missingFine = Regrid.interpolate(coarse.isNaNMask(), height: h, width: w, method: .nearest)
                let interp = inputs.interpolate(coarse)
                let extra = try predictors.interpolated(steps: [step], height: h, width: w, method: spec.interpolation)
                let residual = TiledInference.run(model, inputs.modelInput(interpolated: interp, predictors: extra), tile: r.tile, multiple: multiple)
                let fine = Tensor.zip(inputs.reconstruct(interpolated: interp, residual: residual), missingFine) { $1 > 0.5 ? .nan : $0 }
                let back = adaptation.units.inverse.apply(finePermutation.toInput(fine.reshaped([h, w])).contiguous().scalars)
                return DownscaledStep(values: back, allMissing: false, partlyMissing: valid < coarse.count)
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
        let contract = adaptation.finish()
        if !r.output.quiet { contract.printWarnings("downscale") }
        return DownscaleApplyReport(steps: done, fineHeight: h, fineWidth: w, output: r.output.path, outputs: written, skippedOutputs: skipped,
                                    missingSteps: missing, partlyMissingSteps: partly, seconds: Date().timeIntervalSince(started), warnings: warnings,
                                    contract: contract)
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
