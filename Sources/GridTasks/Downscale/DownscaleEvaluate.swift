// `gridcnn evaluate downscale`: coarsen the truth as in training, then score bilinear, bicubic, BCSD and the CNN
// side by side on held-out time steps (BCSD fitted on the other steps), as a table, JSON and a PNG of maps.
import Foundation
import GridIO
import GridPlot
import GridTensor
import GridTrain

public struct DownscaleEvaluateRequest {
    public var model: String
    public var truth: String
    public var variable: String?
    public var coarse: String?
    public var statics: [String] = []
    /// Steps to score; nil = the checkpoint's validation steps.
    public var steps: [Int]?
    public var figure: String?
    public init(model: String, truth: String) { self.model = model; self.truth = truth }
}

public struct DownscaleEvaluation: Codable {
    public var variable: String
    public var units: String?
    public var factor: Int
    public var steps: [Int]
    public var methods: [String: FieldScores]
    /// RMSE improvement of the CNN over each baseline, in percent.
    public var cnnRMSEGainPercent: [String: Double]
}

public enum DownscaleEvaluating {
    public static func run(_ r: DownscaleEvaluateRequest) throws -> DownscaleEvaluation {
        let trained = try TrainedModel<DownscaleSpec>(checkpoint: r.model, task: "downscale")
        let (ck, spec, model, multiple) = (trained.checkpoint, trained.spec, trained.model, trained.inputMultiple)
        let (truthPath, truthVar) = FieldLoader.splitSpec(r.truth)
        let truth = try FieldLoader.load(truthPath, variable: r.variable ?? truthVar ?? spec.variable)
        guard truth.variable.name == spec.variable || r.variable != nil else {
            throw TaskError("\(r.model) was trained for '\(spec.variable)', not '\(truth.variable.name)'")
        }
        guard truth.height == spec.fineHeight, truth.width == spec.fineWidth else {
            throw TaskError("\(truthPath): grid \(truth.height)x\(truth.width) does not match the model's fine grid \(spec.fineHeight)x\(spec.fineWidth)")
        }
        let steps = r.steps ?? spec.validationSteps
        guard !steps.isEmpty, steps.allSatisfy({ $0 >= 0 && $0 < truth.steps }) else {
            throw TaskError("evaluation steps \(steps) are not within the \(truth.steps) steps of \(truthPath); choose them with --steps")
        }
        let fitSteps = (0..<truth.steps).filter { !steps.contains($0) }
        guard !fitSteps.isEmpty else { throw TaskError("BCSD needs at least one step outside the evaluated ones") }

        let coarse: Tensor
        if let c = r.coarse {
            let (p, v) = FieldLoader.splitSpec(c)
            let cf = try FieldLoader.load(p, variable: v ?? spec.variable)
            guard cf.height * spec.factor == truth.height, cf.width * spec.factor == truth.width, cf.steps == truth.steps else {
                throw TaskError("\(p): coarse grid \(cf.height)x\(cf.width) x\(cf.steps) steps does not match factor \(spec.factor) of \(truthPath)")
            }
            coarse = cf.data
        } else {
            coarse = try Regrid.coarsen(truth.data, factor: spec.factor)
        }
        let statics = try FieldLoader.loadStatics(r.statics, height: spec.fineHeight, width: spec.fineWidth, grid: "the model's fine grid")
            .map { $0.data.squeezed(0) }
        let inputs = try DownscaleInputs(spec: spec, statics: statics, climatology: DownscaleClimatology(ck.extras))

        let sel = { (x: Tensor) in DownscaleTraining.select(x, steps) }
        let truthEval = sel(truth.data)
        let fineMask = truthEval.map { $0.isNaN ? Float.nan : 0 }
        let coarseEval = sel(coarse)
        var predictions = [String: Tensor]()
        predictions["bilinear"] = Regrid.interpolate(coarseEval, height: truth.height, width: truth.width, method: .bilinear) + fineMask
        let interp = inputs.interpolate(coarseEval)
        predictions["bicubic"] = Regrid.interpolate(coarseEval, height: truth.height, width: truth.width, method: .bicubic) + fineMask
        let bcsd = BCSD(coarseModel: DownscaleTraining.select(coarse, fitSteps),
                        coarseObs: try Regrid.coarsen(DownscaleTraining.select(truth.data, fitSteps), factor: spec.factor),
                        fineObs: DownscaleTraining.select(truth.data, fitSteps))
        predictions["bcsd"] = bcsd.predict(coarseEval) + fineMask
        let residual = TiledInference.run(model, inputs.modelInput(interpolated: interp), multiple: multiple)
        predictions["cnn"] = inputs.reconstruct(interpolated: interp, residual: residual) + fineMask

        var methods = [String: FieldScores]()
        for (k, p) in predictions { methods[k] = Metrics.scores(prediction: p, truth: truthEval) }
        var gains = [String: Double]()
        for k in ["bilinear", "bicubic", "bcsd"] { gains[k] = 100 * (1 - methods["cnn"]!.rmse / methods[k]!.rmse) }
        if let fig = r.figure {
            try writeFigure(fig, truth: truthEval, predictions: predictions, step: steps[0], field: truth, factor: spec.factor)
        }
        return DownscaleEvaluation(variable: spec.variable, units: spec.units, factor: spec.factor, steps: steps,
                                   methods: methods, cnnRMSEGainPercent: gains)
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
        var lines = ["downscaling of \(e.variable) (\(e.units ?? "-")), factor \(e.factor), steps \(e.steps)",
                     "method       RMSE      bias      corr      PSNR      SSIM      p98|err|   MAE"]
        for k in ["bilinear", "bicubic", "bcsd", "cnn"] {
            guard let s = e.methods[k] else { continue }
            lines.append(k.padding(toLength: 9, withPad: " ", startingAt: 0) + [s.rmse, s.bias, s.corr, s.psnr, s.ssim, s.p98, s.mae]
                .map { String(format: "%10.4f", $0) }.joined())
        }
        lines.append(String(format: "CNN RMSE vs bicubic: %+.1f%%, vs BCSD: %+.1f%% (positive = CNN better)",
                            e.cnnRMSEGainPercent["bicubic"] ?? .nan, e.cnnRMSEGainPercent["bcsd"] ?? .nan))
        return lines.joined(separator: "\n")
    }
}
