// Example: apply a trained downscaling checkpoint to a coarse NetCDF file and write the fine field as CF NetCDF.
//
//   example-apply-checkpoint MODEL.h5 [DATA_DIR] [WORK_DIR]
//
// MODEL.h5 comes from `gridcnn train downscale` or example-train-downscale. The coarse input here is made by block
// averaging the bundled fine temperature (a GCM's output would come this way); the output carries the fine grid's
// coordinates, units, _FillValue where the input was missing, history and provenance (gridcnn_model_sha256).
import Foundation
import GridIO
import GridTasks

let args = CommandLine.arguments
guard args.count > 1 else {
    FileHandle.standardError.write("usage: example-apply-checkpoint MODEL.h5 [DATA_DIR] [WORK_DIR]\n".data(using: .utf8)!)
    exit(2)
}
let model = args[1]
let data = args.count > 2 ? args[2] : "datasets/climate"
let work = args.count > 3 ? args[3] : NSTemporaryDirectory()

do {
    // The coarse input: 4x4 block means (what `gridcnn coarsen` does).
    var coarsen = CoarsenRequest(input: "\(data)/tas_rectilinear_grid_2D.nc:tas", factor: 4, output: "\(work)/coarse.nc")
    coarsen.output.overwrite = true
    coarsen.output.quiet = true
    try Coarsening.run(coarsen)

    // Apply: one step at a time (bounded memory), tiled on large grids. The statics must be those the model was
    // trained with, in the same order; the checkpoint says which and refuses others.
    var apply = DownscaleApplyRequest(model: model, input: "\(work)/coarse.nc", output: "\(work)/fine.nc")
    apply.statics = ["\(data)/orog_mod1_rectilinear_grid_2D.nc:orog", "\(data)/sftlf_mod1_rectilinear_grid_2D.nc:sftlf"]
    apply.output.overwrite = true   // otherwise an existing output is refused; it is replaced only when complete
    apply.output.quiet = true
    let report = try DownscaleApplying.run(apply)

    // Read the result back: a CF NetCDF file any tool (xarray, ncview, CDO) opens.
    let fine = try NetCDFFile(path: report.output)
    let tas = try fine.read("tas")
    let conventions = fine.attribute("Conventions")?.string ?? "none"
    let units = try fine.variable("tas").text("units") ?? "none"
    let finite = tas.scalars.allSatisfy { $0.isFinite }
    guard tas.shape == [report.steps, report.fineHeight, report.fineWidth], conventions.hasPrefix("CF-"), units == "K", finite,
          fine.attribute("gridcnn_model_sha256") != nil else {
        throw TaskError("\(report.output): not the CF output expected (shape \(tas.shape), \(conventions), units \(units))")
    }
    print("apply-checkpoint: \(report.output) tas \(tas.shape) \(units), \(conventions), model sha256 recorded")
} catch {
    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
    exit(1)
}
