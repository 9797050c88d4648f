// Figures of a jet-classification evaluation: ROC curves drawn as in de Oliveira et al. (signal efficiency across,
// background rejection 1/eps_B up on a log axis, one colour per method, a legend with each AUC, the random-guess
// line 1/eps_S dashed), and the average signal image, average background image and their difference.
import Foundation
import GridIO
import GridPlot
import GridTensor

enum JetFigures {
    static let colours: [String: RGB] = [
        "cnn": RGB(0.839, 0.153, 0.157), "maxout": RGB(0.580, 0.404, 0.741), "mass_tau21": RGB(0.122, 0.467, 0.706),
        "mass": RGB(0.173, 0.627, 0.173), "tau21": RGB(1.000, 0.498, 0.055),
    ]
    static let labels: [String: String] = [
        "cnn": "CNN", "maxout": "MaxOut", "mass_tau21": "mass + τ21", "mass": "mass window", "tau21": "τ21",
    ]

    /// The ROC figure: curves in the given order.
    static func writeROC(_ path: String, curves: [(String, [ROCPoint])], methods: [String: MethodScores], title: String) throws {
        try Figure(panels: [rocPanel(curves: curves, methods: methods, title: title)], columns: 1).write(to: path)
    }

    static func rocPanel(curves: [(String, [ROCPoint])], methods: [String: MethodScores], title: String) -> LinePanel {
        // Highest decade: enough for the best curve at signal efficiency >= 0.1, between 10^2 and 10^4.
        var maxRejection = 10.0
        for (_, c) in curves { for p in c where p.signal >= 0.1 && p.background > 0 { maxRejection = max(maxRejection, 1 / p.background) } }
        let decades = min(4, max(2, Int(log10(maxRejection).rounded(.up))))
        // From signal efficiency 0.02 on (below that, a few hundred test jets say little); eps_B = 0 is off the axis.
        var series = curves.map { name, c -> Series in
            let kept = c.filter { $0.signal >= 0.02 }
            let auc = methods[name].map { String(format: " (AUC %.3f)", $0.auc) } ?? ""
            return Series((labels[name] ?? name) + auc, x: kept.map(\.signal), y: kept.map { $0.background > 0 ? 1 / $0.background : .infinity },
                          colour: colours[name], lineWidth: 2)
        }
        let e = (0...200).map { 0.01 + 0.99 * Double($0) / 200 }
        series.append(Series("random guess", x: e, y: e.map { 1 / $0 }, colour: RGB(0.55, 0.55, 0.55), dashed: true, lineWidth: 1.2))
        var plot = LinePanel(title: title, xTitle: "signal efficiency ε_S", yTitle: "background rejection 1/ε_B", series: series)
        plot.yScale = .log
        plot.xRange = 0...1
        plot.yRange = 1...pow(10, Double(decades))
        plot.aspect = 0.72
        return plot
    }

    /// Average signal image, average background image (log10 of the mean pT per pixel, shared scale) and the
    /// difference of the means (GeV, diverging scale clipped at the 98th percentile of |difference|).
    static func writeAverageImages(_ path: String, images: Tensor, labels: [Int], rows: [Int]) throws {
        let h = images.shape[1], w = images.shape[2], area = h * w
        var sums = [[Double]](repeating: [Double](repeating: 0, count: area), count: 2), counts = [0, 0]
        images.contiguous().withUnsafeBufferPointer { p in
            for r in rows {
                let c = labels[r] == 1 ? 1 : 0
                counts[c] += 1
                for k in 0..<area { sums[c][k] += Double(p[r * area + k]) }
            }
        }
        let means = (0..<2).map { c in sums[c].map { $0 / Double(max(counts[c], 1)) } }
        let floor = 1e-3
        let logs = means.map { m in m.map { Float(log10(max($0, floor))) } }
        let lo = Double(min(logs[0].min() ?? 0, logs[1].min() ?? 0)), hi = Double(max(logs[0].max() ?? 1, logs[1].max() ?? 1))
        let diff = zip(means[1], means[0]).map { Float($0 - $1) }
        let sortedAbs = diff.map { abs(Double($0)) }.sorted()
        let clip = max(sortedAbs[min(sortedAbs.count - 1, Int(0.98 * Double(sortedAbs.count)))], 1e-6)
        // Pixel axes: η across, φ down, as jet images are stored (row 0 on top).
        let grid = PlotGrid(columns: w, rows: h, xTitle: "η pixel", yTitle: "φ pixel")
        let panels = [
            FieldPanel(title: "signal (\(counts[1]) jets)", values: logs[1], grid: grid, range: lo...max(hi, lo + 1e-6), label: "log10 mean pT per pixel (GeV)"),
            FieldPanel(title: "background (\(counts[0]) jets)", values: logs[0], grid: grid, range: lo...max(hi, lo + 1e-6), label: "log10 mean pT per pixel (GeV)"),
            FieldPanel(title: "signal − background", values: diff, grid: grid, colourMap: .diverging, range: -clip...clip, label: "difference of mean pT (GeV)"),
        ]
        try Figure(title: "Average jet images", panels: panels, columns: 3, panelWidth: 360).write(to: path)
    }
}
