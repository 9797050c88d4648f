// Example: train a small downscaling CNN with GridTasks' training job, as `gridcnn train downscale` does.
//
//   example-train-downscale [DATA_DIR] [MODEL.h5]
//
// The perfect-model set-up: the fine temperature is block-averaged 4x4 to make the coarse input, and the CNN learns
// to recover the fine field from it plus fine orography and land fraction. A few steps only (a real run: the
// defaults, 20 epochs of 20 steps). The checkpoint holds the best epoch's model and everything needed to apply it
// (normalisation, grid, the baselines), written atomically.
import Foundation
import GridTasks
import GridTrain

let args = CommandLine.arguments
let data = args.count > 1 ? args[1] : "datasets/climate"
let output = args.count > 2 ? args[2] : NSTemporaryDirectory() + "/example-downscale.h5"

// Inputs take FILE, FILE:VAR, a glob or an @list file; statics are fine-grid fields the model sees at every step.
var request = DownscaleTrainRequest(truth: "\(data)/tas_rectilinear_grid_2D.nc:tas", output: output)
request.statics = ["\(data)/orog_mod1_rectilinear_grid_2D.nc:orog", "\(data)/sftlf_mod1_rectilinear_grid_2D.nc:sftlf"]
request.factor = 4
request.validateEvery = 4            // every 4th month is held out for validation
request.run.options.epochs = 2       // GridTrain's TrainingOptions: epochs, steps, batch, learning rate, seed...
request.run.options.stepsPerEpoch = 5
request.run.options.batchSize = 4
request.run.options.seed = 0         // the same seed gives the same weights, bit for bit
request.run.overwrite = true         // otherwise an existing checkpoint is refused
request.run.quiet = true             // no progress on stderr

do {
    let report = try DownscaleTraining.run(request)
    guard let rmse = report.bestValidationRMSE, rmse.isFinite,
          FileManager.default.fileExists(atPath: report.training.checkpoint) else {
        throw TaskError("training finished without a finite validation score or a checkpoint")
    }
    // RMSE over the held-out months, in the variable's units; bicubic interpolation is the baseline to beat.
    print("train-downscale: \(report.training.steps) steps, best epoch \(report.training.bestEpoch ?? 0), "
          + "validation RMSE \(String(format: "%.3f", rmse)) K (bicubic \(String(format: "%.3f", report.bicubicValidationRMSE)) K), "
          + "checkpoint \(report.training.checkpoint)")
} catch {
    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
    exit(1)
}
