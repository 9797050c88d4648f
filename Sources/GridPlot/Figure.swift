// A figure: a title over panels (maps, images, line plots) laid out in rows, drawn with Cairo and written atomically
// as PNG, SVG or PDF by the output file's extension.
import Foundation
import GridIO
import GridTensor

/// Something a figure lays out: it is told its width and says how tall it is.
public protocol FigurePanel {
    /// The width (figure units = PNG pixels) the panel looks best at.
    var preferredWidth: Double { get }
    /// The panel's height when drawn `width` units wide.
    func height(forWidth width: Double) -> Double
    /// Draws the panel with its top-left corner at (`x`, `y`).
    func draw(on canvas: Canvas, x: Double, y: Double, width: Double) throws
}

/// A title over panels laid out in rows of `columns`, rendered with Cairo and written atomically as PNG, SVG or PDF
/// by the output's extension. A value type; rendering uses its own Cairo surface, so figures may be drawn on
/// several threads at once.
public struct Figure {
    /// The title over the panels, or none.
    public var title: String?
    /// The panels, filled row by row.
    public var panels: [any FigurePanel]
    /// Panels per row (2).
    public var columns: Int
    /// Every panel's width; nil = the widest preferred width.
    public var panelWidth: Double?

    /// A figure of `panels` in rows of `columns`.
    public init(title: String? = nil, panels: [any FigurePanel], columns: Int = 2, panelWidth: Double? = nil) {
        self.title = title; self.panels = panels; self.columns = columns; self.panelWidth = panelWidth
    }

    static let margin = 12.0, titleHeight = 30.0

    /// Width and height of the whole figure.
    public var size: (width: Double, height: Double) {
        let (w, rowHeights) = layout()
        return (Double(min(columns, panels.count)) * w + 2 * Figure.margin,
                rowHeights.reduce(0, +) + 2 * Figure.margin + (title == nil ? 0 : Figure.titleHeight))
    }

    func layout() -> (Double, [Double]) {
        let w = panelWidth ?? panels.map(\.preferredWidth).max() ?? 400
        let cols = max(1, min(columns, panels.count))
        let rows = (panels.count + cols - 1) / cols
        let heights = (0..<rows).map { r in panels[(r * cols)..<min(panels.count, (r + 1) * cols)].map { $0.height(forWidth: w) }.max() ?? 0 }
        return (w, heights)
    }

    /// Draws the figure on a new canvas of the given format.
    public func render(_ format: FigureFormat = .png) throws -> Canvas {
        guard !panels.isEmpty else { throw GridError("a figure needs at least one panel") }
        let (w, rowHeights) = layout()
        let (fw, fh) = size
        let canvas = try Canvas(width: fw, height: fh, format: format)
        var top = Figure.margin
        if let title {
            canvas.text(title, x: fw / 2, y: top + 4, size: 15, bold: true, anchor: .centre, baseline: .top)
            top += Figure.titleHeight
        }
        let cols = max(1, min(columns, panels.count))
        for (k, p) in panels.enumerated() {
            let r = k / cols, c = k % cols
            try p.draw(on: canvas, x: Figure.margin + Double(c) * w, y: top + rowHeights[..<r].reduce(0, +), width: w)
        }
        return canvas
    }

    /// Refuses, before any work, a figure path that cannot be written (extension, missing or read-only directory).
    public static func check(_ path: String) throws {
        _ = try FigureFormat.of(path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue, access(directory, W_OK) == 0 else {
            throw GridError("\(path): cannot write the figure (directory \(directory) does not exist or is not writable)", path: path)
        }
    }

    /// Writes the figure to `path` (.png, .svg or .pdf) atomically.
    public func write(to path: String) throws {
        let format = try FigureFormat.of(path)
        try render(format).write(to: path)
    }
}

/// An entry of a legend: a line, a dashed line, a filled box or a marker in a colour.
public struct LegendItem {
    /// The sample drawn before the label.
    public enum Kind { case line, dashed, box, marker }
    /// The text.
    public var label: String
    /// The sample's colour.
    public var colour: RGB
    /// The sample's kind.
    public var kind: Kind
    /// An entry with a sample of `kind` in `colour`.
    public init(_ label: String, colour: RGB, kind: Kind = .line) { self.label = label; self.colour = colour; self.kind = kind }

    /// Draws the sample (24 units wide) and label with its left edge at x, centred on y; returns the width used.
    @discardableResult
    func draw(on c: Canvas, x: Double, y: Double, size: Double = 10) -> Double {
        switch kind {
        case .line: c.line(x, y, x + 24, y, colour, lineWidth: 2)
        case .dashed: c.line(x, y, x + 24, y, colour, lineWidth: 1.5, dash: (4, 3))
        case .box: c.fill(x: x + 4, y: y - 5, width: 16, height: 10, colour); c.strokeRect(x: x + 4, y: y - 5, width: 16, height: 10, .grey, lineWidth: 0.5)
        case .marker: c.circle(x: x + 12, y: y, radius: 3.5, fill: colour, outline: .black)
        }
        c.text(label, x: x + 30, y: y, size: size, baseline: .middle)
        return 30 + c.textWidth(label, size: size)
    }
}
