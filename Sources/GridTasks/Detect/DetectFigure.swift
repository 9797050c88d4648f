// Maps of one step with class masks outlined (magenta: tropical cyclones, black: atmospheric rivers): sea-level
// pressure and integrated water vapour side by side, one row per mask (CNN, labeller, truth).
import Foundation
import GridPlot

enum DetectFigure {
    static let classColours: [(Float, RGB, String)] = [(1, RGB(1, 0, 1), "tropical cyclone"), (2, RGB(0, 0, 0), "atmospheric river")]

    static func write(_ path: String, grid: LatLonGrid, fields: [FieldRole: [Float]], masks: [(String, [Int8])], step: Int) throws {
        let plotGrid = PlotGrid(grid)
        var panels = [FieldPanel]()
        let legend = classColours.map { LegendItem($0.2, colour: $0.1) }
        for (title, mask) in masks {
            let m = mask.map(Float.init)
            let outlines = classColours.map { Outline(mask: m, value: $0.0, colour: $0.1) }
            if let p = fields[.psl] {
                var panel = FieldPanel(title: "\(title): sea-level pressure", values: p.map { $0 / 100 }, grid: plotGrid, label: "sea-level pressure (hPa)")
                panel.outlines = outlines; panel.legend = legend
                panels.append(panel)
            }
            if let q = fields[.iwv] {
                var panel = FieldPanel(title: "\(title): water vapour", values: q, grid: plotGrid, range: 0...60, label: "integrated water vapour (kg m-2)")
                panel.outlines = outlines; panel.legend = legend
                panels.append(panel)
            }
        }
        guard !panels.isEmpty else { throw TaskError("\(path): no PSL or IWV field to draw the mask on") }
        try Figure(title: "Detected events, step \(step)", panels: panels, columns: 2).write(to: path)
    }
}
