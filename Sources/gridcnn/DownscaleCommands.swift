// gridcnn train downscale / downscale / evaluate downscale.
import ArgumentParser
import Foundation
import GridTasks
import GridTrain

struct TrainDownscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "downscale",
        abstract: "Train a CNN that turns a coarse field (+ fine static fields) into the fine field.",
        discussion: """
        Perfect-model set-up: the truth is coarsened by block averaging and the CNN learns to recover it; with --coarse,
        paired coarse/fine files are used instead. Every --validate-every-th time step is held out.
        An archive of many files is one dataset: repeat --truth, or give a quoted glob or @LIST (a file of paths);
        files are ordered by their decoded times, and gaps and overlaps are reported.
        The BCSD and climatology baselines are fitted on the training steps and stored in the checkpoint.
        Example:
          gridcnn train downscale --truth tas.nc --var tas --static orog.nc --static sftlf.nc --factor 4 \\
            --model srcnn --epochs 30 --output model.h5
          gridcnn train downscale --truth 'archive/tas_day_*_19[5-9]*.nc:tas' --factor 4 --output model.h5
        \(TrainingFlags.defaults(DownscaleTrainRequest(truth: "", output: "").run.options))
        """)

    @Option(help: "Fine-resolution truth: FILE, FILE:VAR, a quoted glob or @LIST; repeatable (one dataset).") var truth: [String]
    @Option(name: .customLong("var"), help: "Variable name (default: the file's only data variable).") var variable: String?
    @Option(help: "Paired coarse field (as --truth, step for step); default: block-average the truth.") var coarse: [String] = []
    @Option(name: .customLong("static"), help: "Fine static field (FILE or FILE:VAR), e.g. orography; repeatable.") var statics: [String] = []
    @Option(help: "Coarse predictor variable (FILE_OR_GLOB:VAR, on the coarse grid, matched by date), e.g. psl; repeatable.") var predictor: [String] = []
    @Option(help: "Resolution factor.") var factor = 4
    @Option(help: "srcnn or unet.") var model: String = "srcnn"
    @Option(help: "Width: SRCNN first layer (default 64) or UNet base (default 16).") var width: Int?
    @Option(help: "UNet depth (default 2).") var depth: Int?
    @Option(help: "Interpolation of the coarse input: bicubic, bilinear, nearest.") var interpolation = "bicubic"
    @Option(help: "Training patch size on the fine grid.") var patch = 48
    @Option(help: "Hold out every k-th time step for validation.") var validateEvery = 4
    @Flag(inversion: .prefixedNo, help: "Correct a climatology-aware first guess (ties the model to the training grid).") var climatology = true
    @OptionGroup var flags: TrainingFlags

    func run() throws {
        try runJob {
            guard let kind = DownscaleModelKind(rawValue: model) else { throw TaskError("--model must be srcnn or unet, not '\(model)'") }
            guard let interp = Interpolation(rawValue: interpolation) else { throw TaskError("--interpolation must be bicubic, bilinear or nearest") }
            guard !truth.isEmpty else { throw TaskError("give the fine truth with --truth") }
            var r = DownscaleTrainRequest(truth: truth[0], output: flags.output)
            r.truths = truth; r.variable = variable; r.coarses = coarse; r.predictors = predictor; r.statics = statics; r.factor = factor; r.model = kind
            r.width = width; r.depth = depth; r.interpolation = interp; r.patch = patch; r.validateEvery = validateEvery; r.climatology = climatology
            try flags.checkFigure()
            flags.apply(to: &r.run)
            let report = try DownscaleTraining.run(r)
            try flags.drawCurves(report.training, task: "train downscale", metric: "validation RMSE", baselines: [("bicubic", report.bicubicValidationRMSE)])
            if flags.json { try printJSON(report) } else {
                print(String(format: "trained %d epochs (%d steps) in %.1f s; best validation RMSE %.4f (bicubic %.4f); checkpoint %@",
                             report.training.epochs, report.training.steps, report.training.seconds, report.bestValidationRMSE ?? .nan, report.bicubicValidationRMSE, report.training.checkpoint))
            }
        }
    }
}

struct DownscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "downscale", abstract: "Downscale coarse fields with a trained model; writes CF NetCDF on the fine grid.",
        discussion: """
        Several inputs (repeated --input, a quoted glob or @LIST) are one dataset in time order. With --output FOLDER/
        (or an existing folder) each input file gives one output file of the same name; otherwise one file. Each is
        written atomically; --resume skips outputs already complete from an earlier run of the same model. An input
        step that is all missing is written as fill (with a warning and a count in the report).
        The model's data contract is checked first: units of the same quantity are converted (K/degC, Pa/hPa, ...),
        latitude order and longitude convention put in the model's and the output written back on the input's grid;
        another grid spacing is refused (regrid to the training spacing first); far statistics are warned about.
        Example:
          gridcnn downscale --model model.h5 --input coarse.nc --static orog.nc --output fine.nc
          gridcnn downscale --model model.h5 --input 'gcm/tas_day_*.nc' --output fine/ --resume
        """)

    @Option(help: "Checkpoint from `gridcnn train downscale`.") var model: String
    @Option(help: "Coarse input: FILE, FILE:VAR, a quoted glob or @LIST; repeatable.") var input: [String]
    @Option(name: .customLong("var"), help: "Variable (default: the one the model was trained for).") var variable: String?
    @Option(name: .customLong("static"), help: "Fine static fields, as in training; repeatable.") var statics: [String] = []
    @Option(help: "Coarse predictors as in training (FILE_OR_GLOB:VAR, same order); repeatable.") var predictor: [String] = []
    @Option(help: "Tile size on the fine grid for large grids.") var tile = 256
    @Flag(help: "Apply a model trained for another variable.") var allowOtherVariable = false
    @Flag(help: "Skip outputs already complete (same model, every step); write the others.") var resume = false
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            guard !input.isEmpty else { throw TaskError("give the coarse input with --input") }
            var r = DownscaleApplyRequest(model: model, input: input[0], output: out.output)
            r.inputs = input; r.predictors = predictor; r.variable = variable; r.statics = statics; r.tile = tile; r.allowOtherVariable = allowOtherVariable; r.resume = resume
            out.apply(to: &r.output)
            let report = try DownscaleApplying.run(r)
            if out.json { try printJSON(report) } else {
                let files = report.outputs.count + report.skippedOutputs.count > 1
                    ? " (\(report.outputs.count) file(s) written, \(report.skippedOutputs.count) already complete)" : ""
                let gaps = report.missingSteps > 0 ? "; \(report.missingSteps) all-missing step(s) written as fill" : ""
                print("wrote \(report.steps) step(s) of \(report.fineHeight)x\(report.fineWidth) to \(report.output)\(files) in \(String(format: "%.1f", report.seconds)) s\(gaps)")
            }
        }
    }
}

struct EvaluateDownscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "downscale", abstract: "Score the CNN against climatology, bilinear, bicubic and BCSD.",
        discussion: """
        On the training file(s) the model's validation steps are scored; on any other data every step (or --steps,
        --period). BCSD and climatology come from the training data, stored in the checkpoint, so another period or
        scenario is scored honestly. Besides RMSE: latitude-weighted RMSE, 2nd/98th percentile bias, variance ratio
        and radially averaged power spectra (--json; plot with --spectrum-figure).
        Example:
          gridcnn evaluate downscale --model model.h5 --truth tas.nc --var tas --static orog.nc --figure maps.png --json
          gridcnn evaluate downscale --model model.h5 --truth 'archive/tas_*.nc' --period 2001:2005 --spectrum-figure psd.png
        """)

    @OptionGroup var flags: EvaluateFlags
    @Option(help: "Fine-resolution truth: FILE, FILE:VAR, a quoted glob or @LIST; repeatable.") var truth: [String]
    @Option(name: .customLong("var"), help: "Variable.") var variable: String?
    @Option(help: "Paired coarse field instead of coarsening the truth (as --truth).") var coarse: [String] = []
    @Option(name: .customLong("static"), help: "Fine static fields, as in training; repeatable.") var statics: [String] = []
    @Option(help: "Coarse predictors as in training (FILE_OR_GLOB:VAR, same order); repeatable.") var predictor: [String] = []
    @Option(help: "Factor (checked against the model's).") var factor: Int?
    @Option(help: "Time steps to score, comma-separated (default: the validation steps on the training data, else all).") var steps: String?
    @Option(help: "Dates to score, START:END inclusive (YYYY, YYYY-MM or YYYY-MM-DD), e.g. 2001:2005.") var period: String?
    @Option(help: "PNG of truth, baselines, CNN and error maps.") var figure: String?
    @Option(help: "PNG of the radially averaged power spectra.") var spectrumFigure: String?

    func run() throws {
        try flags.report({
            guard !truth.isEmpty else { throw TaskError("give the fine truth with --truth") }
            var r = DownscaleEvaluateRequest(model: flags.model, truth: truth[0])
            r.truths = truth; r.variable = variable; r.coarses = coarse; r.statics = statics; r.figure = figure; r.predictors = predictor
            r.period = period; r.spectrumFigure = spectrumFigure; r.quiet = flags.quiet
            if let steps {
                r.steps = try steps.split(separator: ",").map { s in
                    guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else { throw TaskError("--steps: '\(s)' is not a step index") }
                    return v
                }
            }
            let e = try DownscaleEvaluating.run(r)
            if let factor, factor != e.factor { throw TaskError("--factor \(factor) differs from the model's factor \(e.factor)") }
            return e
        }, table: DownscaleEvaluating.table)
    }
}

struct CoarsenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coarsen", abstract: "Block-average a field to a coarser grid (the input of a perfect-model experiment).",
        discussion: "Example:\n  gridcnn coarsen --input tas.nc --var tas --factor 4 --output tas_coarse.nc")

    @Option(help: "Input field (FILE or FILE:VAR).") var input: String
    @Option(name: .customLong("var"), help: "Variable.") var variable: String?
    @Option(help: "Block size.") var factor: Int
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = CoarsenRequest(input: input, factor: factor, output: out.output)
            r.variable = variable
            out.apply(to: &r.output)
            let (steps, h, w) = try Coarsening.run(r)
            struct Report: Encodable { let steps: Int, grid: [Int], output: String }
            if out.json { try printJSON(Report(steps: steps, grid: [h, w], output: out.output)) } else {
                print("wrote \(steps) step(s) of \(h)x\(w) to \(out.output)")
            }
        }
    }
}
