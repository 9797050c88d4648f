// The start of a series model's held-out segment: the series with the WaveNet's one-step forecast and persistence
// (the previous value) over it, and below, both forecasts' errors, in the variable's units.
import Foundation
import GridModels
import GridPlot

/// The sequence task's figures: a series model's held-out forecasts, and the monitored bits/sample curve that
/// `gridcnn train sequence --monitor-figure` draws.
public enum SequenceFigure {
    static func writeSeries(_ path: String, model: WaveNet, z: [Float], range: Range<Int>, spec: SequenceSpec, variable: String) throws {
        // About three seconds at ECG rates; enough beats to see the shape, few enough to see the samples.
        let shown = range.lowerBound..<min(range.upperBound, range.lowerBound + 1000)
        guard shown.count >= 2 else { throw TaskError("\(path): the held-out segment is too short to draw", path: path) }
        let norm = spec.norm!
        let units = { (v: Float) in Double(v * norm.std + norm.mean) }
        let rate = spec.sampleRate.map(Double.init)
        let x: [Double] = shown.map { t in
            let k = Double(t - range.lowerBound)
            return rate.map { k / $0 } ?? k
        }
        let truth = shown.map { units(z[$0]) }
        let wavenet = SeriesScoring.forecast(model, z: z, range: shown, spec: spec).map(units)
        let persistence = shown.map { units(z[$0 - 1]) }
        let xTitle = rate == nil ? "samples into the held-out segment" : "seconds into the held-out segment"
        let label = FigureText.withUnits(variable, spec.units)
        let series = LinePanel(title: "\(variable): held-out series and one-step forecasts", xTitle: xTitle, yTitle: label, series: [
            Series("series", x: x, y: truth, colour: .black, lineWidth: 1.2),
            Series("WaveNet", x: x, y: wavenet, colour: Palette.line(3), lineWidth: 1),
            Series("persistence", x: x, y: persistence, colour: Palette.line(0), dashed: true, lineWidth: 1),
        ])
        var errors = LinePanel(title: "Forecast errors", xTitle: xTitle, yTitle: FigureText.withUnits("forecast − series", spec.units), series: [
            Series("persistence", x: x, y: zip(persistence, truth).map { $0 - $1 }, colour: Palette.line(0), lineWidth: 1),
            Series("WaveNet", x: x, y: zip(wavenet, truth).map { $0 - $1 }, colour: Palette.line(3), lineWidth: 1),
        ])
        errors.aspect = 0.35
        var top = series
        top.aspect = 0.35
        try Figure(panels: [top, errors], columns: 1, panelWidth: 900).write(to: path)
    }
}

extension SequenceFigure {
    /// Bits/sample on the monitored (held-out) audio against optimiser steps, with the baselines on the same audio
    /// as horizontal lines: how far training has to go to beat them.
    public static func writeMonitor(_ path: String, curve: [[Double]], baselines: [String: Double], title: String) throws {
        guard curve.count >= 1 else { throw TaskError("\(path): no monitored scores to draw (give --monitor)", path: path) }
        let x = curve.map { $0[0] }, (lo, hi) = (0.0, max(x.last!, 1))
        var series = [Series("WaveNet", x: x, y: curve.map { $0[1] }, colour: Palette.line(3), lineWidth: 1.8, markers: true)]
        for (k, (name, v)) in baselines.sorted(by: { $0.key < $1.key }).enumerated() {
            series.append(Series(name, x: [lo, hi], y: [v, v], colour: Palette.line(k), dashed: true, lineWidth: 1.2))
        }
        let panel = LinePanel(title: title, xTitle: "optimiser steps", yTitle: "bits/sample (held-out audio)", series: series)
        try Figure(panels: [panel], columns: 1, panelWidth: 760).write(to: path)
    }
}
