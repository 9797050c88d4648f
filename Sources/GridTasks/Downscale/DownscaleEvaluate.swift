// `gridcnn evaluate downscale`: coarsen the truth as in training, then score bilinear, bicubic, BCSD and the CNN
// side by side on held-out time steps (BCSD fitted on the other steps), as a table, JSON and a PNG of maps.
import Foundation
import GridIO
import GridPlot
import GridTensor
import GridNN
import GridTrain

/// What `gridcnn evaluate downscale` needs: a checkpoint and fine truth (optionally paired coarse input), which steps
/// to score, and the figures.
public struct DownscaleEvaluateRequest {
    /// The downscaling checkpoint (HDF5) to score.
    public var model: String
    /// Fine truth: files, globs or @lists (FILE or FILE:VAR each), one dataset ordered by time.
    public var truths: [String]
    /// The first (or only) truth spec; setting it replaces `truths`.
    public var truth: String { get { truths[0] } set { truths = [newValue] } }
    /// The truth variable; nil: the one named in the specs, else the model's.
    public var variable: String?
    /// Paired coarse input step for step with the truth (as `truths`); empty: block-average the truth.
    public var coarses: [String] = []
    /// The first paired coarse spec; setting it replaces `coarses`.
    public var coarse: String? { get { coarses.first } set { coarses = newValue.map { [$0] } ?? [] } }
    /// Static fields on the fine grid, as in training.
    public var statics: [String] = []
    /// Coarse predictors as in training (FILE_OR_GLOB:VAR each, same order), matched to the truth's steps by date.
    public var predictors: [String] = []
    /// Steps to score (indices into the truth dataset); nil = the model's validation steps when the truth is the
    /// training data, else every step (or those of `period`).
    public var steps: [Int]?
    /// "START:END" dates (YYYY, YYYY-MM or YYYY-MM-DD, inclusive) selecting the steps to score.
    public var period: String?
    /// PNG (or .svg, .pdf) of maps of the truth, the baselines and the CNN for the first scored step; nil: none.
    public var figure: String?
    /// PNG of the radially averaged power spectra.
    public var spectrumFigure: String?
    /// No dataset warnings or contract messages on stderr (default true).
    public var quiet = true
    /// A request scoring the model's validation steps (or every step of another truth) in the perfect-model set-up.
    public init(model: String, truth: String) { self.model = model; self.truths = [truth] }
}

/// The scores of `DownscaleEvaluating.run` (printed as a table or, with `--json`, under the property names).
public struct DownscaleEvaluation: Codable {
    /// The variable scored.
    public var variable: String
    /// Its units (those of RMSE, bias, MAE and p98).
    public var units: String?
    /// The model's refinement factor.
    public var factor: Int
    /// Time indices scored.
    public var steps: [Int]
    /// First and last scored time (ISO 8601), when the truth has CF times.
    public var period: [String]?
    /// Truth files read.
    public var truthFiles: Int
    /// Where the BCSD and climatology baselines were fitted: "training" (stored in the checkpoint) or
    /// "scored-file" (a model from before baselines were stored: fitted on the truth's unscored steps).
    public var baselinesFittedOn: String
    /// Scores per method: "cnn", "bilinear", "bicubic", "bcsd" and, where available, "climatology".
    public var methods: [String: FieldScores]
    /// RMSE improvement of the CNN over each baseline, in percent.
    public var cnnRMSEGainPercent: [String: Double]
    /// Radially averaged power spectra (mean over the scored steps) per method and for the truth.
    public var spectra: PowerSpectra?
    /// Remarks on the data and the scores (dataset gaps, baselines fitted on the scored file).
    public var warnings: [String]
    /// What the data contract check adapted (units, order), skipped and warned about.
    public var contract: ContractCheck?
}

/// `gridcnn evaluate downscale`: the CNN against interpolation, BCSD and climatology on held-out steps.
public enum DownscaleEvaluating {
    /// Coarsens the truth as in training (or reads the paired coarse input), predicts every scored step with each method
    /// and scores it against the truth where the truth is valid; writes the figures asked for. Prints warnings unless quiet.
    /// - Throws: `TaskError` for a checkpoint that is not a downscaling model, a truth that does not fit it (variable,
    /// grid, factor), steps or a period outside the data, or unwritable figures.
    public static func run(_ r: DownscaleEvaluateRequest) throws -> DownscaleEvaluation {
        let trained = try TrainedModel<DownscaleSpec>(checkpoint: r.model, task: "downscale")
        let (ck, spec, model, multiple) = (trained.checkpoint, trained.spec, trained.model, trained.inputMultiple)
        let truthData = try FieldLoader.dataset(r.truths, variable: r.variable ?? FieldLoader.splitSpec(r.truths[0]).variable ?? spec.variable, quiet: r.quiet)
        guard truthData.name == spec.variable || r.variable != nil else {
            throw TaskError("\(r.model) was trained for '\(spec.variable)', not '\(truthData.name)'")
        }
        guard truthData.height == spec.fineHeight, truthData.width == spec.fineWidth else {
            throw TaskError("\(truthData.label): grid \(truthData.height)x\(truthData.width) does not match the model's fine grid \(spec.fineHeight)x\(spec.fineWidth)")
        }
        var predictors = try DownscalePredictors(r.predictors, base: truthData, coarseHeight: truthData.height / spec.factor,
                                                 coarseWidth: truthData.width / spec.factor, quiet: r.quiet)
        try predictors.check(against: spec)
        // The data contract: units converted, rows and columns in the model's order (scores on the truth's), or one line.
        let adaptation = try DownscaleAdaptation(spec: spec, input: truthData, predictors: predictors.datasets, fine: true)
        if !r.quiet { adaptation.check.printAdaptations("evaluate downscale") }
        let readTruth = { (idx: [Int]) throws -> Tensor in adaptation.toModel(try truthData.read(steps: idx), observe: false) }
        let storedBCSD = BCSD(ck.extras)
        let steps = try selectSteps(r, spec: spec, truth: truthData)
        guard !steps.isEmpty else { throw TaskError("no steps of \(truthData.label) to score (check --steps or --period)") }
        guard steps.allSatisfy({ $0 >= 0 && $0 < truthData.count }) else {
            throw TaskError("evaluation steps \(steps) are not within the \(truthData.count) steps of \(truthData.label); choose them with --steps")
        }
        // Scores are computed over all selected steps at once (percentiles and SSIM need them together): refuse
        // up front what would not fit, rather than be killed half-way.
        let needed = Double(steps.count) * Double(truthData.height * truthData.width) * 4 * 12
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed < 0.5 * memory else {
            throw TaskError(String(format: "scoring %d steps of %dx%d needs about %.1f GB, more than half of this machine's %.1f GB; choose fewer with --period or --steps",
                                   steps.count, truthData.height, truthData.width, needed / 1e9, memory / 1e9))
        }
        var coarseData: GridDataset?
        if !r.coarses.isEmpty {
            let cf = try FieldLoader.dataset(r.coarses, variable: FieldLoader.splitSpec(r.coarses[0]).variable ?? spec.variable)
            guard cf.height * spec.factor == truthData.height, cf.width * spec.factor == truthData.width, cf.count == truthData.count else {
                throw TaskError("\(cf.label): coarse grid \(cf.height)x\(cf.width) x\(cf.count) steps does not match factor \(spec.factor) of \(truthData.label)")
            }
            try FieldLoader.checkSameTimes(cf, as: truthData, what: "the coarse field")
            coarseData = cf
        }
        var coarsePermutation = adaptation.coarsePermutation(factor: spec.factor)
        if let cf = coarseData, let g = spec.dataContract?.grid, let a = DownscaleContract.latLonGrid(cf) {
            coarsePermutation = try GridPermutation(try GridAdaptation.plan(input: a, contract: g, spacing: nil, regrid: false))
        }
        let coarseOf = { (idx: [Int], fine: Tensor) throws -> Tensor in
            try coarseData.map { adaptation.toModel(try $0.read(steps: idx), observe: false, permutation: coarsePermutation) }
                ?? Regrid.coarsen(fine, factor: spec.factor)
        }
        predictors.adapt = { p, x in adaptation.toModel(x, channel: 1 + p, permutation: coarsePermutation) }
        // Baselines fitted on the training data (stored), or for an older model on the truth's unscored steps.
        let bcsd: BCSD
        if let storedBCSD { bcsd = storedBCSD } else {
            let fitSteps = (0..<truthData.count).filter { !steps.contains($0) }
            guard !fitSteps.isEmpty else {
                throw TaskError("\(r.model) predates stored baselines, so BCSD is fitted on the truth's unscored steps, and none are left; score fewer steps or retrain")
            }
            let fitTruth = try readTruth(fitSteps)
            bcsd = BCSD(coarseModel: try coarseOf(fitSteps, fitTruth), coarseObs: try Regrid.coarsen(fitTruth, factor: spec.factor), fineObs: fitTruth)
        }
        let statics = try FieldLoader.loadStatics(r.statics, height: spec.fineHeight, width: spec.fineWidth, grid: "the model's fine grid",
                                                  latitudes: truthData.latitudes)
            .map { adaptation.permutation.toModel($0.data.squeezed(0)) }
        let inputs = try DownscaleInputs(spec: spec, statics: statics, climatology: DownscaleClimatology(ck.extras))

        // Everything below runs in the model's units and order; the maps go back to the truth's order to be scored.
        let truthModel = try readTruth(steps)
        let truthEval = adaptation.permutation.toInput(truthModel)
        let (h, w) = (truthData.height, truthData.width)
        let fineMask = truthModel.map { $0.isNaN ? Float.nan : 0 }
        let coarseEval = try coarseOf(steps, truthModel)
        adaptation.observe(coarseEval, channel: 0)
        var predictions = [String: Tensor]()
        predictions["bilinear"] = Regrid.interpolate(coarseEval, height: h, width: w, method: .bilinear) + fineMask
        let interp = inputs.interpolate(coarseEval)
        predictions["bicubic"] = Regrid.interpolate(coarseEval, height: h, width: w, method: .bicubic) + fineMask
        predictions["bcsd"] = bcsd.predict(coarseEval) + fineMask
        if storedBCSD != nil {
            predictions["climatology"] = bcsd.climatology.unsqueezed(0).broadcast(to: truthEval.shape).contiguous() + fineMask
        }
        let extra = try predictors.interpolated(steps: steps, height: h, width: w, method: spec.interpolation)
        let residual = TiledInference.run(InferencePlan(model), inputs.modelInput(interpolated: interp, predictors: extra), multiple: multiple)
        predictions["cnn"] = inputs.reconstruct(interpolated: interp, residual: residual) + fineMask
        for (k, p) in predictions { predictions[k] = adaptation.permutation.toInput(p) }

        let latitudes = truthData.latitudes
        var methods = [String: FieldScores]()
        for (k, p) in predictions { methods[k] = Metrics.scores(prediction: p, truth: truthEval, latitudes: latitudes) }
        var gains = [String: Double]()
        for k in predictions.keys where k != "cnn" { gains[k] = 100 * (1 - methods["cnn"]!.rmse / methods[k]!.rmse) }
        let spectra = PowerSpectra(truth: truthEval, predictions: predictions.filter { $0.key != "climatology" })
        if let fig = r.figure {
            try writeFigure(fig, truth: truthEval, predictions: predictions, step: steps[0], field: FieldLoader.header(truthData, member: 0), factor: spec.factor)
        }
        if let fig = r.spectrumFigure, let spectra { try spectra.writeFigure(fig, units: spec.units) }
        var warnings = truthData.warnings
        if storedBCSD == nil { warnings.append("\(r.model) has no stored baselines (trained before they were kept): BCSD is fitted on the truth's unscored steps") }
        let period = truthData.dates.map { d in [d[steps.min()!].iso8601, d[steps.max()!].iso8601] }
        let contract = adaptation.finish()
        if !r.quiet { contract.printWarnings("evaluate downscale") }
        return DownscaleEvaluation(variable: spec.variable, units: spec.units, factor: spec.factor, steps: steps, period: period,
                                   truthFiles: truthData.members.count, baselinesFittedOn: storedBCSD == nil ? "scored-file" : "training",
                                   methods: methods, cnnRMSEGainPercent: gains, spectra: spectra, warnings: warnings, contract: contract)
    }

    /// --steps, else --period, else the validation steps when the truth is the training data, else every step.
    static func selectSteps(_ r: DownscaleEvaluateRequest, spec: DownscaleSpec, truth: GridDataset) throws -> [Int] {
        var steps: [Int]
        if let s = r.steps { steps = s } else { steps = Array(0..<truth.count) }
        if let p = r.period {
            let (start, end) = try CFDate.parsePeriod(p)
            let inPeriod = Set(try truth.steps(from: start, through: end))
            steps = steps.filter { inPeriod.contains($0) }
            guard !steps.isEmpty else { throw TaskError("no step of \(truth.label) lies in the period \(p)") }
            return steps
        }
        if r.steps == nil && isTrainingData(truth, spec: spec) { return spec.validationSteps }
        return steps
    }

    /// True when the truth is exactly the files the model was trained on.
    static func isTrainingData(_ truth: GridDataset, spec: DownscaleSpec) -> Bool {
        let canonical = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        let trained = spec.truthPaths ?? spec.truthPath.map { [canonical($0)] } ?? []
        return truth.paths.map(canonical) == trained
    }

    /// Truth, bicubic, BCSD and CNN maps of the first evaluated step on one colour scale, and the three methods'
    /// errors on one diverging scale, on the truth's grid with coastlines.
    static func writeFigure(_ path: String, truth: Tensor, predictions: [String: Tensor], step: Int, field: GridField, factor: Int) throws {
        let first = { (x: Tensor) in x.sliced(axis: 0, 0..<1).squeezed(0).contiguous().scalars }
        let t = first(truth)
        let valid = t.filter(\.isFinite)
        let range = Double(valid.min() ?? 0)...Double(max(valid.max() ?? 1, (valid.min() ?? 0) + 1e-6))
        let grid = PlotGrid.of(field), label = FigureText.label(field.variable)
        let names = ["bicubic": "bicubic", "bcsd": "BCSD", "cnn": "CNN"]
        var panels = [FieldPanel(title: "truth", values: t, grid: grid, range: range, label: label)]
        for k in ["bicubic", "bcsd", "cnn"] { panels.append(FieldPanel(title: names[k]!, values: first(predictions[k]!), grid: grid, range: range, label: label)) }
        let errs = ["bicubic", "bcsd", "cnn"].map { k in zip(first(predictions[k]!), t).map { $0 - $1 } }
        // One error scale for the three, clipped at the 99th percentile of |error| so one bad cell does not wash it out.
        let magnitudes = errs.flatMap { $0.filter(\.isFinite).map { abs(Double($0)) } }.sorted()
        let m = max(magnitudes.isEmpty ? 1 : magnitudes[min(magnitudes.count - 1, Int(0.99 * Double(magnitudes.count)))], 1e-6)
        for (k, e) in zip(["bicubic", "bcsd", "cnn"], errs) {
            panels.append(FieldPanel(title: "\(names[k]!) − truth", values: e, grid: grid, colourMap: .diverging, range: -m...m,
                                     label: FigureText.withUnits("error", field.units)))
        }
        let title = "\(field.variable.name), step \(step): truth, baselines and CNN, downscaled \(factor)x"
        try Figure(title: title, panels: panels, columns: 4, panelWidth: min(panels[0].preferredWidth, 480)).write(to: path)
    }

    /// The text table printed by the CLI.
    public static func table(_ e: DownscaleEvaluation) -> String {
        let steps = e.steps.count <= 12 ? "steps \(e.steps)" : "\(e.steps.count) steps (\(e.steps.first!) ... \(e.steps.last!))"
        var lines = ["downscaling of \(e.variable) (\(e.units ?? "-")), factor \(e.factor), \(steps)",
                     "method       RMSE      bias      corr      PSNR      SSIM      p98|err|   MAE"]
        for k in ["climatology", "bilinear", "bicubic", "bcsd", "cnn"] {
            guard let s = e.methods[k] else { continue }
            lines.append(k.padding(toLength: 9, withPad: " ", startingAt: 0) + [s.rmse, s.bias, s.corr, s.psnr, s.ssim, s.p98, s.mae]
                .map { String(format: "%10.4f", $0) }.joined())
        }
        lines.append("method    latRMSE   p2 bias   p98 bias  var ratio")
        for k in ["climatology", "bilinear", "bicubic", "bcsd", "cnn"] {
            guard let s = e.methods[k] else { continue }
            lines.append(k.padding(toLength: 9, withPad: " ", startingAt: 0)
                         + [s.latitudeWeightedRMSE ?? .nan, s.p2Bias ?? .nan, s.p98Bias ?? .nan, s.varianceRatio ?? .nan].map { String(format: "%10.4f", $0) }.joined())
        }
        lines.append("baselines fitted on: \(e.baselinesFittedOn == "training" ? "the training data (stored in the checkpoint)" : "the scored file's other steps (old checkpoint)")"
                     + (e.period.map { "; period \($0[0]) to \($0[1])" } ?? ""))
        lines.append(String(format: "CNN RMSE vs bicubic: %+.1f%%, vs BCSD: %+.1f%% (positive = CNN better)",
                            e.cnnRMSEGainPercent["bicubic"] ?? .nan, e.cnnRMSEGainPercent["bcsd"] ?? .nan))
        return lines.joined(separator: "\n")
    }
}
