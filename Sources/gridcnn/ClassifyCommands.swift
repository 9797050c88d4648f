// gridcnn train classify / classify / evaluate classify: jet images (signal vs background).
import ArgumentParser
import Foundation
import GridTasks
import GridTrain

struct TrainClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Train a jet-image classifier (CNN or MaxOut) on an HDF5 jet file (images, labels, mass, tau21).",
        discussion: """
        The jets are split once (seeded, stratified): 60% train, 20% validation (early stopping, best epoch kept), \
        20% test, held out and recorded in the checkpoint for `gridcnn evaluate classify`. Pixel statistics and the \
        physics baselines (mass window, tau21, mass+tau21 likelihood ratio) are fitted on the training split.
        Images are put in a canonical orientation first (de Oliveira et al. 2016: leading pixel centred, principal \
        axis vertical, heavier half below and right), here and when the model is applied, so transposed, mirrored or \
        rotated images score the same; --no-canonical keeps the file's orientation. The checkpoint records a data \
        contract (units, pixel size, statistics, mean image) that applying checks.

        Example:
          gridcnn train classify --input jets_sample.h5 --output cnn.h5
          gridcnn train classify --input jets_sample.h5 --model maxout --output maxout.h5
        \(TrainingFlags.defaults(ClassifyTrainRequest(input: "", output: "").run.options))
        """)

    @Option(help: "Jet file (HDF5: images [N,H,W], labels [N], mass [N], tau21 [N]).") var input: String
    @Option(help: "jetcnn or maxout.") var model: String = "jetcnn"
    @Option(help: "Width: CNN first-layer filters (second = 2x, default 16) or first maxout layer units (default 256).") var width: Int?
    @Option(help: "Dropout before the output (default: 0.5 CNN, 0 maxout).") var dropout: Float?
    @Option(help: "Pixel scaling: sqrt, log, standardize (per pixel) or log-standardize.") var scaling: String = "sqrt"
    @Flag(help: "Use the images in the file's orientation instead of the canonical one (leading pixel centred, principal axis vertical, heavier half below and right).") var noCanonical = false
    @OptionGroup var flags: TrainingFlags

    func run() throws {
        try runJob {
            guard let kind = ClassifyModelKind(rawValue: model) else { throw TaskError("--model must be jetcnn or maxout, not '\(model)'") }
            guard let scale = JetScaling(rawValue: scaling) else { throw TaskError("--scaling must be sqrt, log, standardize or log-standardize, not '\(scaling)'") }
            if let width, width < 1 { throw TaskError("--width must be at least 1") }
            if let dropout, !(0..<1).contains(dropout) { throw TaskError("--dropout must be in [0, 1)") }
            var r = ClassifyTrainRequest(input: input, output: flags.output)
            r.model = kind; r.width = width; r.dropout = dropout; r.scaling = scale; r.canonical = !noCanonical
            try flags.checkFigure()
            flags.apply(to: &r.run)
            let report = try ClassifyTraining.run(r)
            try flags.drawCurves(report.training, task: "train classify (\(report.model))", metric: "validation AUC", shown: { 1 - $0 },
                                 baselines: report.validationAUCBaselines.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            if flags.json { try printJSON(report) } else { print(ClassifyTraining.summary(report)) }
        }
    }
}

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify", abstract: "Score jets with a trained classifier; writes HDF5 with one signal probability per jet.",
        discussion: """
        Output: dataset `scores` (float32 [N], the signal probability) with attributes gridcnn_version, gridcnn_model, \
        gridcnn_model_sha256, source and history (the command line). Only `images` is read from the input.

        Example:
          gridcnn classify --model cnn.h5 --input jets.h5 --output scores.h5
        """)

    @Option(help: "Checkpoint from `gridcnn train classify`.") var model: String
    @Option(help: "Jet file (HDF5 with images [N,H,W]).") var input: String
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = ClassifyApplyRequest(model: model, input: input, output: out.output)
            out.apply(to: &r.output)
            let report = try ClassifyApplying.run(r)
            if out.json { try printJSON(report) } else {
                print(String(format: "wrote %d scores to %@ (mean %.3f, %d above 0.5) in %.1f s",
                             report.jets, report.output, report.meanScore, report.signalLike, report.seconds))
            }
        }
    }
}

struct EvaluateClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify", abstract: "Score a jet classifier against mass, tau21 and mass+tau21 on held-out jets.",
        discussion: """
        When --input is the training file (same jet count and labels), the checkpoint's test split is scored; \
        otherwise every jet. Reports AUC, accuracy (at probability 0.5; for mass and tau21 at the cut best on the \
        training split), and background rejection 1/eps_B at signal efficiency 0.3 and 0.5.

        Example:
          gridcnn evaluate classify --model cnn.h5 --input jets_sample.h5 \\
            --maxout maxout.h5 --figure roc.png --images average.png --json
        """)

    @OptionGroup var flags: EvaluateFlags
    @Option(help: "Jet file (HDF5: images, labels, mass, tau21).") var input: String
    @Option(name: .customLong("maxout"), help: "Another classifier checkpoint to score side by side (e.g. the MaxOut baseline); repeatable.") var compare: [String] = []
    @Option(help: "PNG of the ROC curves (background rejection vs signal efficiency).") var figure: String?
    @Option(help: "PNG of the average signal and background images and their difference.") var images: String?

    func run() throws {
        try flags.report({
            var r = ClassifyEvaluateRequest(model: flags.model, input: input)
            r.compare = compare; r.figure = figure; r.images = images; r.quiet = flags.quiet
            return try ClassifyEvaluating.run(r)
        }, table: ClassifyEvaluating.table)
    }
}
