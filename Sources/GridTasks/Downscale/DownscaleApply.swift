// `gridcnn downscale`: apply a trained model to coarse fields, one time step at a time (bounded memory), tiling
// large grids with a halo, and write CF NetCDF on the fine grid: coordinates, units, _FillValue where the input was
// missing, provenance. The output appears under its name only when complete.
import Foundation
import GridTensor
import GridIO
import GridTrain

public struct DownscaleApplyRequest {
    public var model: String
    public var input: String
    public var variable: String?
    public var statics: [String] = []
    /// Where the result goes, overwrite, quiet, provenance.
    public var output: OutputSettings
    public var tile = 256
    public var allowOtherVariable = false
    public init(model: String, input: String, output: String) { self.model = model; self.input = input; self.output = OutputSettings(path: output, history: "gridcnn downscale") }
}

public struct DownscaleApplyReport: Codable {
    public var steps: Int
    public var fineHeight: Int
    public var fineWidth: Int
    public var output: String
    public var seconds: Double
}

public enum DownscaleApplying {
    public static func run(_ r: DownscaleApplyRequest) throws -> DownscaleApplyReport {
        let started = Date()
        let trained = try TrainedModel<DownscaleSpec>(checkpoint: r.model, task: "downscale")
        let (ck, spec, model, multiple) = (trained.checkpoint, trained.spec, trained.model, trained.inputMultiple)
        let (inPath, inVar) = FieldLoader.splitSpec(r.input)
        let file = try NetCDFFile(path: inPath)
        let name = r.variable ?? inVar ?? spec.variable
        guard file.hasVariable(name) else {
            throw GridIOError.variableNotFound(name: name, available: FieldLoader.dataVariables(file).map(\.name), path: inPath)
        }
        // Read the description to learn the grid; then stream.
        let reader = try file.timeSteps(of: name)
        let header = try FieldLoader.load(inPath, variable: name, readData: false)
        if name != spec.variable && !r.allowOtherVariable {
            throw TaskError("\(r.model) was trained for '\(spec.variable)' but the input variable is '\(name)' (pass --allow-other-variable to apply it anyway)")
        }
        if let u = header.units, let trained = spec.units, u != trained {
            throw TaskError("\(inPath): '\(name)' is in \(u) but the model was trained on \(trained)")
        }
        let (h, w) = (header.height * spec.factor, header.width * spec.factor)
        let statics = try FieldLoader.loadStatics(r.statics, height: h, width: w,
                                                  grid: "\(inPath) (\(header.height)x\(header.width)) times factor \(spec.factor)")
        var localSpec = spec
        localSpec.fineHeight = h; localSpec.fineWidth = w
        let inputs = try DownscaleInputs(spec: localSpec, statics: statics.map { $0.data.squeezed(0) }, climatology: DownscaleClimatology(ck.extras))

        let checksum = try SHA256.hex(file: r.model)
        let writer = try NetCDFWriter(path: r.output.path, overwrite: r.output.overwrite, history: r.output.history, attributes: [
            NCAttribute("source", .text("gridcnn \(r.output.version) downscaling (\(ck.modelKind)) of \(inPath)")),
            NCAttribute("gridcnn_version", .text(r.output.version)),
            NCAttribute("gridcnn_model", .text(r.model)),
            NCAttribute("gridcnn_model_sha256", .text(checksum)),
            NCAttribute("gridcnn_downscaling_factor", .ints([Int64(spec.factor)])),
        ])
        let (dims, attrs) = try FineGrid.define(in: writer, coarse: header, factor: spec.factor, statics: statics)
        var def = NCVariableDefinition(name: name, dimensions: dims, type: .float, units: spec.units ?? header.units,
                                       longName: spec.longName ?? header.variable.text("long_name"),
                                       standardName: spec.standardName ?? header.variable.text("standard_name"))
        def.attributes = attrs + [NCAttribute("comment", .text("downscaled by factor \(spec.factor) with a \(ck.modelKind) CNN from \(inPath)"))]
        try writer.defineVariable(def)

        let progress = ProgressReporter("downscale", total: reader.range.count, quiet: r.output.quiet)
        var count = 0
        while let step = try reader.next() {
            let coarse = step.data.reshaped([1, header.height, header.width])
            guard coarse.scalars.contains(where: { !$0.isNaN }) else {
                throw TaskError("\(inPath): step \(step.index) of '\(name)' has no valid values (all missing)")
            }
            let missingFine = Regrid.interpolate(coarse.isNaNMask(), height: h, width: w, method: .nearest)
            let interp = inputs.interpolate(coarse)
            let residual = TiledInference.run(model, inputs.modelInput(interpolated: interp), tile: r.tile, multiple: multiple)
            var fine = inputs.reconstruct(interpolated: interp, residual: residual)
            fine = Tensor.zip(fine, missingFine) { $1 > 0.5 ? .nan : $0 }
            let time = header.times.flatMap { step.index < $0.count ? $0[step.index] : nil }
            try writer.append(name, fine.reshaped([h, w]), time: header.timeDimension != nil && time != nil ? time : nil)
            count += 1
            progress.update(count)
        }
        try writer.finish()
        return DownscaleApplyReport(steps: count, fineHeight: h, fineWidth: w, output: r.output.path, seconds: Date().timeIntervalSince(started))
    }
}
