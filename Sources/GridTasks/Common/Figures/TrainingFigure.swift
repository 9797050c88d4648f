// Training curves of any job: the training loss and the validation score against optimiser steps, with the
// baselines the job scores against as dashed lines and the kept (best) epoch marked. Epochs are 1-based.
import Foundation
import GridPlot
import GridTrain

/// Training curves of any job (loss and validation score against optimiser steps); used by every `gridcnn train`
/// command's `--figure`.
public enum TrainingFigure {
    /// `metric` names the validation score as shown ("RMSE (K)", "AUC", "bits/sample"); `shown` turns the trainer's
    /// score (lower is better) into it (e.g. 1 - score for AUC).
    /// Draws two panels, the training loss and the validation score against optimiser steps (epochs are 1-based), with
    /// `baselines` (name, value, already in shown units) as dashed lines and the kept epoch marked, and writes the figure
    /// to `path` (.png, .svg or .pdf by extension) atomically.
    /// - Throws: `TaskError` when `summary` has no finished epoch; GridPlot's error for an unknown extension or an
    /// unwritable path.
    public static func write(_ path: String, summary: TrainingSummary, task: String, metric: String,
                             shown: (Double) -> Double = { $0 }, baselines: [(String, Double)] = []) throws {
        let h = summary.history
        guard !h.isEmpty else { throw TaskError("\(path): no finished epoch to draw", path: path) }
        let perEpoch = Double(summary.steps) / Double(max(h.count, 1))
        let steps = h.map { Double($0.epoch) * perEpoch }
        var loss = LinePanel(title: "Training loss", xTitle: "optimiser steps", yTitle: "training loss",
                             series: [Series("training loss", x: steps, y: h.map(\.trainLoss), markers: h.count <= 40)])
        loss.legend = .none
        let scored = h.filter { $0.validationScore != nil }
        var series = [Series("validation", x: scored.map { Double($0.epoch) * perEpoch }, y: scored.map { shown($0.validationScore!) },
                             markers: scored.count <= 40)]
        if let best = summary.bestEpoch, let r = h.first(where: { $0.epoch == best }), let s = r.validationScore {
            series.append(Series("kept (epoch \(best))", x: [Double(best) * perEpoch], y: [shown(s)], colour: RGB(0.84, 0.15, 0.16), lineWidth: 0, markers: true))
        }
        let xs = steps.first!...max(steps.last!, steps.first! + 1)
        for (k, (name, value)) in baselines.enumerated() {
            series.append(Series(name, x: [xs.lowerBound, xs.upperBound], y: [value, value], colour: Palette.line(k + 2), dashed: true, lineWidth: 1.3))
        }
        let validation = LinePanel(title: "Validation", xTitle: "optimiser steps", yTitle: metric, series: series)
        var panels: [any FigurePanel] = [loss]
        if !scored.isEmpty { panels.append(validation) }
        let title = "\(task): \(h.count) epoch\(h.count == 1 ? "" : "s"), \(summary.steps) steps, seed \(summary.seed)"
        try Figure(title: title, panels: panels, columns: 2, panelWidth: 520).write(to: path)
    }
}
