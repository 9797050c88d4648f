// gridcnn label / detect / train detect / evaluate detect: tropical cyclones and atmospheric rivers in gridded fields.
import ArgumentParser
import Foundation
import GridTasks
import GridTrain

/// Variable names per role; unnamed roles are found by their usual names (PSL/psl/slp/msl, U850, V850, TMQ/prw/tcwv, T500).
struct DetectVariableOptions: ParsableArguments {
    @Option(help: "Sea-level pressure variable (Pa or hPa).") var psl: String?
    @Option(name: .customLong("u"), help: "850 hPa eastward wind variable.") var u: String?
    @Option(name: .customLong("v"), help: "850 hPa northward wind variable.") var v: String?
    @Option(help: "Column water vapour variable (kg m-2, mm or cm).") var iwv: String?
    @Option(name: .customLong("t"), help: "500 hPa temperature variable (K or degC), for the cyclone warm core.") var t: String?

    var names: DetectVariableNames { DetectVariableNames(psl: psl, u850: u, v850: v, iwv: iwv, t500: t) }
}

/// Labeller thresholds; each unset one keeps its default (or, in `evaluate`, the model's).
struct LabellerFlags: ParsableArguments {
    @Option(help: "Classes to label: tc, ar or tc,ar.") var classes: String?
    @Option(help: "TC centres within this latitude of the equator (default 40).") var tcMaxLat: Double?
    @Option(help: "TC centre = lowest PSL within this radius, degrees (default 3).") var tcRadius: Double?
    @Option(help: "Cyclonic 850 hPa vorticity threshold, s-1 (default 3.5e-5).") var tcVorticity: Double?
    @Option(help: "Environment annulus INNER,OUTER degrees (default 6,8).") var tcEnvironment: String?
    @Option(help: "Minimum pressure depth below the environment, hPa (default 4).") var tcMinDepth: Double?
    @Option(help: "Minimum depth when there is no T500 for the warm core, hPa (default 8).") var tcDepthWithoutT: Double?
    @Option(help: "Warm core: T500 within the core radius above the environment, K (default 1).") var tcWarmCore: Double?
    @Option(help: "Core radius for the warm core, degrees (default 2).") var tcCoreRadius: Double?
    @Option(help: "Region: PSL below min + this fraction of the depth (default 0.85).") var tcRegionFraction: Double?
    @Option(help: "Region: PSL below min + this many hPa (instead of the fraction).") var tcRegionHpa: Double?
    @Option(help: "AR: IWV threshold, kg m-2 (default 20).") var arIwv: Double?
    @Option(help: "AR: IWV above the zonal median by this, kg m-2 (default 8; 0 off).") var arAnomaly: Double?
    @Option(help: "AR: IWV above this zonal percentile too (default 0: off; e.g. 85).") var arPercentile: Double?
    @Option(help: "AR: minimum length, km (default 2000).") var arMinLength: Double?
    @Option(help: "AR: maximum width = area / length, km (default 1000).") var arMaxWidth: Double?
    @Option(help: "AR: only poleward of this latitude (default 20).") var arMinLat: Double?
    @Option(help: "Connectivity of AR regions: 4 or 8 (default 8).") var connectivity: Int?

    /// Each numeric flag with the threshold it sets (one list, read by isEmpty and apply).
    private var thresholds: [(Double?, WritableKeyPath<LabellerOptions, Double>)] {
        [(tcMaxLat, \.tcMaxLatitude), (tcRadius, \.tcMinimumRadius), (tcVorticity, \.tcVorticity), (tcMinDepth, \.tcMinimumDepth),
         (tcDepthWithoutT, \.tcDepthWithoutWarmCore), (tcWarmCore, \.tcWarmCore), (tcCoreRadius, \.tcCoreRadius),
         (tcRegionFraction, \.tcRegionFraction), (arIwv, \.arIWV), (arAnomaly, \.arAnomaly), (arPercentile, \.arPercentile),
         (arMinLength, \.arMinLength), (arMaxWidth, \.arMaxWidth), (arMinLat, \.arMinLatitude)]
    }

    var isEmpty: Bool {
        thresholds.allSatisfy { $0.0 == nil } && tcRegionHpa == nil && classes == nil && tcEnvironment == nil && connectivity == nil
    }

    func apply(to base: LabellerOptions = LabellerOptions()) throws -> LabellerOptions {
        var o = base
        if let c = classes {
            let parts = Set(c.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !parts.isEmpty, parts.isSubset(of: ["tc", "ar"]) else { throw TaskError("--classes must be tc, ar or tc,ar, not '\(c)'") }
            o.labelTC = parts.contains("tc"); o.labelAR = parts.contains("ar")
        }
        for (value, key) in thresholds { if let value { o[keyPath: key] = value } }
        if let s = tcEnvironment {
            let p = s.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard p.count == 2 else { throw TaskError("--tc-environment takes INNER,OUTER in degrees, e.g. 6,8; got '\(s)'") }
            o.tcEnvironmentInner = p[0]; o.tcEnvironmentOuter = p[1]
        }
        if let x = tcRegionHpa { o.tcRegionHPa = x }
        if let x = connectivity { o.connectivity = x }
        try o.validate()
        return o
    }
}

private func scoreLine(_ name: String, _ s: MaskScores?) -> String? {
    guard let s else { return nil }
    let tc = s.classes["TC"]!, ar = s.classes["AR"]!
    return String(format: "%@: TC IoU %.3f (precision %.3f, recall %.3f), AR IoU %.3f (precision %.3f, recall %.3f)",
                  name, tc.iou, tc.precision, tc.recall, ar.iou, ar.precision, ar.recall)
}

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label", abstract: "Label tropical cyclones and atmospheric rivers with TECA-style heuristics (class mask NetCDF).",
        discussion: """
        Writes a byte class mask per time step on the input grid: 0 none, 1 tropical cyclone, 2 atmospheric river \
        (flag_values / flag_meanings), with the input's lat/lon/time coordinates. Needs sea-level pressure and 850 hPa \
        winds for cyclones (500 hPa temperature for the warm core, optional) and column water vapour for rivers.

        Examples:
          gridcnn label --input datasets/weather/weather_test.nc --output labels.nc --objects labels.csv
          gridcnn label --input era.nc --psl msl --u u850 --v v850 --iwv tcwv --ar-percentile 85 --output labels.nc
        """)

    @Option(help: "Input NetCDF with lat/lon coordinates.") var input: String
    @Option(help: "Also write the labelled objects (.csv or .json).") var objects: String?
    @OptionGroup var variables: DetectVariableOptions
    @OptionGroup var thresholds: LabellerFlags
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = LabelRequest(input: input, output: out.output)
            r.names = variables.names; r.options = try thresholds.apply(); r.objects = objects
            out.apply(to: &r.output)
            let rep = try Labelling.run(r)
            if out.json { try printJSON(rep) } else {
                print(String(format: "labelled %d step(s) of %dx%d: %d tropical cyclone(s), %d atmospheric river(s) (%.2f%% / %.2f%% of points) -> %@ in %.1f s",
                             rep.steps, rep.grid[0], rep.grid[1], rep.cyclones, rep.rivers, 100 * rep.tcFraction, 100 * rep.arFraction, rep.output, rep.seconds))
                if let line = scoreLine("against the file's true_class", rep.againstTruth) { print(line) }
            }
        }
    }
}

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Detect tropical cyclones and atmospheric rivers with a trained CNN (class mask NetCDF).",
        discussion: """
        Streams the time steps; writes the class mask (0 none, 1 TC, 2 AR) on the input grid, optionally the objects \
        (time, class, centroid, area, length, peak: min PSL for TCs, max IWV for ARs) and a PNG of the mask outlined \
        on PSL and IWV for one step.

        The checkpoint's data contract is checked first: units are converted, latitude put in the model's order, \
        longitudes wrapped to its convention and, when the spacing differs, the fields regridded (bilinear) to the \
        model's spacing; the mask is mapped back to the input grid (nearest). Input statistics far from training \
        are warned about. --native runs on the input grid as it is.

        Example:
          gridcnn detect --model models/detect-unet.h5 --input datasets/weather/weather_test.nc --output mask.nc \\
            --objects objects.csv --figure overlay.png
        """)

    @Option(help: "Checkpoint from `gridcnn train detect`.") var model: String
    @Option(help: "Input NetCDF with lat/lon coordinates.") var input: String
    @Option(help: "Objects table (.csv, or .json).") var objects: String?
    @Option(help: "PNG of the mask outlined on PSL and IWV.") var figure: String?
    @Option(help: "Time step (index) drawn in the figure (default: the one with the most detected points).") var figureStep: Int?
    @Option(help: "Leave objects of fewer grid points out of the table.") var minPoints = 2
    @Flag(help: "Keep cyclone regions without a warm core (the check needs T500 in the input).") var noWarmCoreCheck = false
    @Flag(help: "Run on the input grid as it is: no reordering, wrapping or regridding to the model's grid.") var native = false
    @OptionGroup var variables: DetectVariableOptions
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = DetectRequest(model: model, input: input, output: out.output)
            r.names = variables.names; r.objects = objects; r.figure = figure; r.figureStep = figureStep; r.minimumPoints = minPoints
            r.warmCoreCheck = !noWarmCoreCheck; r.native = native
            out.apply(to: &r.output)
            let rep = try DetectApplying.run(r)
            if out.json { try printJSON(rep) } else {
                var line = String(format: "detected in %d step(s) of %dx%d: %.2f%% TC, %.2f%% AR points -> %@", rep.steps, rep.grid[0], rep.grid[1],
                                  100 * rep.tcFraction, 100 * rep.arFraction, rep.output)
                if objects != nil { line += " (\(rep.objects["TC"] ?? 0) TC and \(rep.objects["AR"] ?? 0) AR objects)" }
                print(line + String(format: " in %.1f s", rep.seconds))
            }
        }
    }
}

struct TrainDetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Train a CNN that finds tropical cyclones and atmospheric rivers (UNet or patch classifier).",
        discussion: """
        Labels come from the heuristic labeller (thresholds as in `gridcnn label`) or from --labels FILE[:VAR]. \
        Every --validate-every-th time step is held out; the best epoch is kept.

        Example (the shipped models/detect-unet.h5):
          gridcnn train detect --input datasets/weather/weather_train.nc --model unet --output models/detect-unet.h5
        \(TrainingFlags.defaults(DetectTrainRequest(input: "", output: "").run.options))
        """)

    @Option(help: "Training NetCDF (PSL, U850, V850, TMQ, optional T500).") var input: String
    @Option(help: "Class-mask labels FILE or FILE:VAR (default: the heuristic labeller).") var labels: String?
    @Option(help: "unet (segmentation) or patchcnn (Liu et al. 2016 patch classifier).") var model = "unet"
    @Option(help: "UNet base width (default 12) or classifier first conv width (default 16).") var base: Int?
    @Option(help: "UNet depth (default 3).") var depth: Int?
    @Option(help: "UNet crop size (default 64) or classifier patch size (default 32).") var patch: Int?
    @Option(help: "Hold out every k-th time step for validation.") var validateEvery = 6
    @Flag(help: "No sin(latitude) input channel.") var noLatitude = false
    @Option(help: "Cap on the class weights of the cross-entropy (sqrt inverse frequency).") var maxClassWeight = 3.0
    @Option(help: "Weight of the soft Dice loss added to the cross-entropy (UNet; 0 = off).") var dice = 0.5
    @Option(help: "Std of smooth random perturbations added to the standardised inputs in training (UNet; 0 = off).") var noise = 0.3
    @Option(help: "Fields the network sees, comma-separated from psl,u,v,iwv,t (T500 is only used for the warm-core check unless listed).") var inputs = "psl,u,v,iwv"
    @OptionGroup var variables: DetectVariableOptions
    @OptionGroup var thresholds: LabellerFlags
    @OptionGroup var flags: TrainingFlags

    func run() throws {
        try runJob {
            guard let kind = DetectModelKind(rawValue: model) else { throw TaskError("--model must be unet or patchcnn, not '\(model)'") }
            var r = DetectTrainRequest(input: input, output: flags.output)
            r.labels = labels; r.names = variables.names; r.labeller = try thresholds.apply(); r.model = kind
            r.base = base; r.depth = depth; r.patch = patch; r.validateEvery = validateEvery; r.latitudeChannel = !noLatitude
            r.maxClassWeight = maxClassWeight; r.diceWeight = dice; r.noise = noise
            let map: [String: FieldRole] = ["psl": .psl, "u": .u850, "v": .v850, "iwv": .iwv, "t": .t500]
            r.inputs = Set(try inputs.split(separator: ",").map { n in
                guard let role = map[n.trimmingCharacters(in: .whitespaces).lowercased()] else {
                    throw TaskError("--inputs: '\(n)' is not one of psl, u, v, iwv, t")
                }
                return role
            })
            try flags.checkFigure()
            flags.apply(to: &r.run)
            let rep = try DetectTraining.run(r)
            try flags.drawCurves(rep.training, task: "train detect (\(rep.model))", metric: rep.model == "unet" ? "validation mean IoU" : "validation mean per-class accuracy",
                                 shown: { 1 - $0 })
            if flags.json { try printJSON(rep) } else {
                let best = rep.training.bestValidationScore.map { 1 - $0 } ?? .nan
                print(String(format: "trained %@ (%d parameters) %d epochs (%d steps) in %.1f s; best validation %@ %.3f; checkpoint %@",
                             rep.model, rep.parameters, rep.training.epochs, rep.training.steps, rep.training.seconds,
                             rep.model == "unet" ? "mean IoU" : "mean per-class accuracy", best, rep.training.checkpoint))
            }
        }
    }
}

struct EvaluateDetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Score a detector per class (IoU, precision, recall / patch accuracy) against labels and truth.",
        discussion: """
        Reference labels: the heuristic labeller with the model's training thresholds (or flags), or --labels FILE[:VAR]. \
        When the input has the generator's `true_class` (or --truth is given), the CNN and the labeller are both scored \
        against it.

        Example:
          gridcnn evaluate detect --model models/detect-unet.h5 --input datasets/weather/weather_test.nc --json
        """)

    @OptionGroup var flags: EvaluateFlags
    @Option(help: "Held-out NetCDF.") var input: String
    @Option(help: "Reference labels FILE or FILE:VAR (default: the labeller on the input).") var labels: String?
    @Option(help: "Known truth FILE or FILE:VAR (default: the input's true_class, when present).") var truth: String?
    @Option(help: "PNG of the first step: CNN, labeller and truth outlines.") var figure: String?
    @Flag(help: "Score the raw network: keep cyclone regions without a warm core.") var noWarmCoreCheck = false
    @Flag(help: "Run on the input grid as it is: no reordering, wrapping or regridding to the model's grid.") var native = false
    @OptionGroup var variables: DetectVariableOptions
    @OptionGroup var thresholds: LabellerFlags

    func run() throws {
        try flags.report({
            var r = DetectEvaluateRequest(model: flags.model, input: input)
            r.labels = labels; r.truth = truth; r.names = variables.names; r.figure = figure; r.quiet = flags.quiet
            r.warmCoreCheck = !noWarmCoreCheck; r.native = native
            if !thresholds.isEmpty {
                // Start from the model's own thresholds and change what was given.
                r.labeller = try thresholds.apply(to: try Detector(path: flags.model).spec.labeller)
            }
            return try DetectEvaluating.run(r)
        }, table: DetectEvaluating.table)
    }
}
