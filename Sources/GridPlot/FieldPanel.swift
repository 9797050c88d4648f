// A 2-D field drawn as a map (or an image): cells coloured by a colour map, missing values grey and named under the
// colour bar, coastlines clipped to the map, latitude/longitude ticks with degree labels, a colour bar labelled with
// the variable and its units, class outlines and tracks on top.
import Foundation
import GridTensor

/// Cells of one class value in a mask, outlined in a colour.
public struct Outline {
    /// Row-major `[rows * columns]` values on the panel's grid.
    public var mask: [Float]
    /// The class value whose cells are outlined.
    public var value: Float
    /// The outline's colour.
    public var colour: RGB
    /// An outline around the cells of `mask` equal to `value`.
    public init(mask: [Float], value: Float, colour: RGB) { self.mask = mask; self.value = value; self.colour = colour }
}

/// A path over the map in geographic coordinates (tracks), drawn as a line with a marker at its start.
public struct MapPath {
    /// The path's points in degrees north and east, in order.
    public var points: [(lat: Double, lon: Double)]
    /// The line's colour.
    public var colour: RGB
    /// A path through `points`.
    public init(points: [(lat: Double, lon: Double)], colour: RGB) { self.points = points; self.colour = colour }
}

/// A 2-D field drawn as a map or an image: cells coloured by a ``ColourMap``, missing values grey and named under the
/// colour bar, coastlines clipped to the map, degree ticks, a colour bar labelled with the variable and its units, and
/// ``Outline``s and ``MapPath``s on top.
public struct FieldPanel: FigurePanel {
    /// The title above the map.
    public var title: String
    /// Row-major [rows * columns] of `grid`; NaN is missing.
    public var values: [Float]
    /// The grid the values lie on (geographic, rotated-pole or plain).
    public var grid: PlotGrid
    /// The colour scale.
    public var colourMap: ColourMap
    /// Colour-scale limits; nil = the data's range (symmetric about 0 for diverging maps).
    public var range: ClosedRange<Double>?
    /// The colour bar's label: the variable with its units, e.g. "near-surface air temperature (K)".
    public var label: String
    /// Whether GSHHG coastlines are drawn (only on geographic and rotated-pole grids).
    public var coastlines: Bool
    /// Class regions outlined on top (e.g. detected cyclones).
    public var outlines: [Outline] = []
    /// Tracks drawn on top.
    public var paths: [MapPath] = []
    /// Legend entries under the map (for outlines and paths).
    public var legend: [LegendItem] = []

    /// A map of `values` (row-major `[rows * columns]`, NaN missing) on `grid`; `label` names the variable and units.
    public init(title: String, values: [Float], grid: PlotGrid, colourMap: ColourMap = .sequential, range: ClosedRange<Double>? = nil,
                label: String, coastlines: Bool = true) {
        self.title = title; self.values = values; self.grid = grid; self.colourMap = colourMap; self.range = range
        self.label = label; self.coastlines = coastlines && grid.isGeographic
    }

    static let left = 62.0, right = 18.0, top = 26.0, axisBelow = 34.0, barHeight = 12.0, barBelow = 42.0, legendRow = 20.0

    /// About 3 units per grid column, kept within 420...720, plus the margins.
    public var preferredWidth: Double {
        let cells = Double(grid.columns)
        return min(max(cells * 3, 420), 720) + FieldPanel.left + FieldPanel.right
    }

    /// The map's size for a panel width (maps taller than 1.1 times the width are narrowed instead).
    func mapSize(_ width: Double) -> (Double, Double) {
        var w = width - FieldPanel.left - FieldPanel.right, h = w * grid.aspect
        if h > 1.1 * w { h = 1.1 * w; w = h / grid.aspect }
        return (w, h)
    }

    /// The height that keeps the map's aspect ratio at `width`, colour bar and legend included.
    public func height(forWidth width: Double) -> Double {
        FieldPanel.top + mapSize(width).1 + FieldPanel.axisBelow + FieldPanel.barHeight + FieldPanel.barBelow + (legendItems.isEmpty ? 0 : FieldPanel.legendRow) + 8
    }

    /// The legend under the colour bar: the caller's entries, then "missing" when the field has missing values.
    var legendItems: [LegendItem] {
        legend + (values.contains { !$0.isFinite } ? [LegendItem("missing", colour: .missing, kind: .box)] : [])
    }

    /// The colour-scale limits used.
    public var scale: (lo: Double, hi: Double) {
        if let r = range, r.upperBound > r.lowerBound { return (r.lowerBound, r.upperBound) }
        let valid = values.filter(\.isFinite)
        var lo = Double(valid.min() ?? 0), hi = Double(valid.max() ?? 1)
        if colourMap == .diverging { let m = max(abs(lo), abs(hi)); (lo, hi) = (-m, m) }
        if colourMap == .counts { lo = min(lo, 0) }
        if hi <= lo { hi = lo + 1 }
        return (lo, hi)
    }

    /// Draws the panel with its top-left corner at (`x`, `y`); throws when coastlines are asked for but missing.
    public func draw(on c: Canvas, x: Double, y: Double, width: Double) throws {
        guard values.count == grid.rows * grid.columns else {
            throw GridError("figure panel '\(title)': \(values.count) values for a \(grid.rows)x\(grid.columns) grid")
        }
        let (mw, mh) = mapSize(width)
        let mx = x + FieldPanel.left + (width - FieldPanel.left - FieldPanel.right - mw) / 2, my = y + FieldPanel.top
        let frame = MapFrame(grid: grid, x: mx, y: my, width: mw, height: mh)
        c.text(title, x: mx + mw / 2, y: y + 6, size: 12, bold: true, anchor: .centre, baseline: .top)
        // Cells: each raster pixel takes the colour of the cell under its centre.
        let (lo, hi) = scale
        let cols = max(1, Int(mw.rounded())), rows = max(1, Int(mh.rounded()))
        let columnOf = (0..<cols).map { grid.column(at: frame.dataX(mx + (Double($0) + 0.5) * mw / Double(cols))) }
        let rowOf = (0..<rows).map { grid.row(at: frame.dataY(my + (Double($0) + 0.5) * mh / Double(rows))) }
        let missing = ColourMap.pack(.missing), background = ColourMap.pack(.white)
        var pixels = [UInt32](repeating: background, count: cols * rows)
        for r in 0..<rows {
            guard let i = rowOf[r] else { continue }
            for q in 0..<cols {
                guard let j = columnOf[q] else { continue }
                let v = values[i * grid.columns + j]
                if v.isFinite { pixels[r * cols + q] = colourMap.packed((Double(v) - lo) / (hi - lo)) } else { pixels[r * cols + q] = missing }
            }
        }
        c.raster(pixels, columns: cols, rows: rows, x: mx, y: my, width: mw, height: mh)
        let shores = coastlines ? try frame.shorelines() : []
        c.clipped(x: mx, y: my, width: mw, height: mh) {
            frame.drawShorelines(shores, on: c)
            for o in outlines { frame.drawOutline(o, on: c) }
            for p in paths { frame.drawPath(p, on: c) }
        }
        frame.drawAxes(on: c)
        // Colour bar, with ticks, the label and the missing-value swatch.
        let barW = min(mw, 420), bx = mx + (mw - barW) / 2, by = my + mh + FieldPanel.axisBelow
        c.raster((0..<256).map { colourMap.packed(Double($0) / 255) }, columns: 256, rows: 1, x: bx, y: by, width: barW, height: FieldPanel.barHeight)
        c.strokeRect(x: bx, y: by, width: barW, height: FieldPanel.barHeight, .black, lineWidth: 0.8)
        var ticks = Ticks.linear(lo, hi, count: 5)
        let whole = ticks.filter { $0 == $0.rounded() }
        if colourMap == .counts, whole.count >= 2 { ticks = whole }   // counts are whole numbers
        for (t, s) in zip(ticks, Ticks.labels(ticks)) {
            let tx = bx + (t - lo) / (hi - lo) * barW
            c.line(tx, by + FieldPanel.barHeight, tx, by + FieldPanel.barHeight + 4, .black, lineWidth: 0.8)
            c.text(s, x: tx, y: by + FieldPanel.barHeight + 6, size: 9.5, anchor: .centre, baseline: .top)
        }
        c.text(label, x: bx + barW / 2, y: by + FieldPanel.barHeight + 22, size: 10.5, anchor: .centre, baseline: .top)
        let items = legendItems
        if !items.isEmpty {
            var lx = mx
            for item in items { lx += item.draw(on: c, x: lx, y: by + FieldPanel.barHeight + FieldPanel.barBelow + FieldPanel.legendRow / 2) + 16 }
        }
    }
}
