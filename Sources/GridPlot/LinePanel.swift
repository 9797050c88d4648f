// Line plots: series against a linear or log axis, with round ticks, grid lines, axis titles and a legend (ROC
// curves, power spectra, bits per sample against training steps, training curves).
import Foundation
import GridTensor

/// One curve of a ``LinePanel``.
public struct Series {
    /// The legend's text.
    public var label: String
    /// The x values (non-positive ones are skipped on a log axis).
    public var x: [Double]
    /// The y values, one per x (NaN breaks the line).
    public var y: [Double]
    /// The line's colour; nil takes the colour of its position in ``Palette/lines``.
    public var colour: RGB?
    /// Draw dashed (baselines, references).
    public var dashed: Bool
    /// Line width in figure units (1.8).
    public var lineWidth: Double
    /// Draw a dot at every point (short series such as per-epoch scores).
    public var markers: Bool

    /// A series of points (`x[i]`, `y[i]`).
    public init(_ label: String, x: [Double], y: [Double], colour: RGB? = nil, dashed: Bool = false, lineWidth: Double = 1.8, markers: Bool = false) {
        self.label = label; self.x = x; self.y = y; self.colour = colour; self.dashed = dashed; self.lineWidth = lineWidth; self.markers = markers
    }
}

/// A linear axis, or a base-10 logarithmic one with ticks at whole decades.
public enum AxisScale: Sendable { case linear, log }

/// Where the legend goes; `best` picks the corner that covers the fewest drawn points.
public enum LegendPlace: Sendable { case best, topRight, topLeft, bottomRight, bottomLeft, none }

/// Curves against linear or log axes, with round ticks, grid lines, axis titles and a legend (ROC curves, power
/// spectra, training curves).
public struct LinePanel: FigurePanel {
    /// The title above the plot.
    public var title: String
    /// The axis titles, with units (e.g. `wavenumber (1/km)`).
    public var xTitle: String, yTitle: String
    /// The curves, drawn in order.
    public var series: [Series]
    /// Linear (default) or log scale of each axis.
    public var xScale: AxisScale = .linear, yScale: AxisScale = .linear
    /// Axis limits; nil = the data's range (log axes: whole decades around it).
    public var xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?
    /// Where the legend goes (the emptiest corner by default).
    public var legend: LegendPlace = .best
    /// Preferred width in figure units, and the plot area's height over its width.
    public var width: Double = 620, aspect: Double = 0.62

    /// A panel of `series` with linear axes, ranges from the data.
    public init(title: String, xTitle: String, yTitle: String, series: [Series]) {
        self.title = title; self.xTitle = xTitle; self.yTitle = yTitle; self.series = series
    }

    static let left = 70.0, right = 20.0, top = 30.0, bottom = 52.0

    /// `width`.
    public var preferredWidth: Double { width }
    /// The height that keeps `aspect` at width `w`.
    public func height(forWidth w: Double) -> Double { LinePanel.top + (w - LinePanel.left - LinePanel.right) * aspect + LinePanel.bottom }

    /// Axis limits actually used (x then y).
    public var limits: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        (LinePanel.limits(series.flatMap(\.x), xRange, xScale), LinePanel.limits(series.flatMap(\.y), yRange, yScale))
    }

    static func limits(_ values: [Double], _ fixed: ClosedRange<Double>?, _ scale: AxisScale) -> ClosedRange<Double> {
        if let fixed, fixed.upperBound > fixed.lowerBound { return fixed }
        let v = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return scale == .log ? 1...10 : 0...1 }
        if scale == .log { return pow(10, floor(log10(lo)))...pow(10, max(ceil(log10(hi)), floor(log10(lo)) + 1)) }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.04
        return (lo - pad)...(hi + pad)
    }

    /// Draws the panel with its top-left corner at (`x`, `y`).
    public func draw(on c: Canvas, x: Double, y: Double, width w: Double) throws {
        if let bad = series.first(where: { $0.x.count != $0.y.count }) {
            throw GridError("figure panel '\(title)': series '\(bad.label)' has \(bad.x.count) x values but \(bad.y.count) y values")
        }
        let pw = w - LinePanel.left - LinePanel.right, ph = pw * aspect
        let px = x + LinePanel.left, py = y + LinePanel.top
        let (xr, yr) = limits
        func t(_ v: Double, _ r: ClosedRange<Double>, _ s: AxisScale) -> Double {
            s == .log ? (log10(v) - log10(r.lowerBound)) / (log10(r.upperBound) - log10(r.lowerBound)) : (v - r.lowerBound) / (r.upperBound - r.lowerBound)
        }
        func cx(_ v: Double) -> Double { px + t(v, xr, xScale) * pw }
        func cy(_ v: Double) -> Double { py + ph - t(v, yr, yScale) * ph }
        c.text(title, x: px + pw / 2, y: y + 8, size: 12, bold: true, anchor: .centre, baseline: .top)
        let gridColour = RGB(0.88, 0.88, 0.88)
        let (xTicks, xMinor) = LinePanel.ticks(xr, xScale, count: max(3, Int(pw / 90)))
        let (yTicks, yMinor) = LinePanel.ticks(yr, yScale, count: max(3, Int(ph / 55)))
        for v in xMinor { c.line(cx(v), py, cx(v), py + ph, gridColour, lineWidth: 0.4, dash: (2, 2)) }
        for v in yMinor { c.line(px, cy(v), px + pw, cy(v), gridColour, lineWidth: 0.4, dash: (2, 2)) }
        for v in xTicks { c.line(cx(v), py, cx(v), py + ph, gridColour, lineWidth: 0.7) }
        for v in yTicks { c.line(px, cy(v), px + pw, cy(v), gridColour, lineWidth: 0.7) }
        c.clipped(x: px, y: py, width: pw, height: ph) {
            for (k, s) in series.enumerated() {
                let colour = s.colour ?? Palette.line(k)
                // Breaks at points a log axis cannot show or that are not finite.
                var run = [(Double, Double)]()
                func flush() { c.polyline(run, colour, lineWidth: s.lineWidth, dash: s.dashed ? (6, 4) : nil); run = [] }
                for (a, b) in zip(s.x, s.y) {
                    guard a.isFinite, b.isFinite, xScale == .linear || a > 0, yScale == .linear || b > 0 else { flush(); continue }
                    run.append((cx(a), cy(b)))
                    if s.markers { c.circle(x: cx(a), y: cy(b), radius: 2.5, fill: colour) }
                }
                flush()
            }
        }
        c.strokeRect(x: px, y: py, width: pw, height: ph, .black, lineWidth: 1)
        let xLabels = LinePanel.labels(xTicks, xScale), yLabels = LinePanel.labels(yTicks, yScale)
        for (v, s) in zip(xTicks, xLabels) {
            c.line(cx(v), py + ph, cx(v), py + ph + 4, .black, lineWidth: 0.8)
            c.text(s, x: cx(v), y: py + ph + 6, size: 10, anchor: .centre, baseline: .top)
        }
        var widest = 0.0
        for (v, s) in zip(yTicks, yLabels) {
            c.line(px - 4, cy(v), px, cy(v), .black, lineWidth: 0.8)
            c.text(s, x: px - 6, y: cy(v), size: 10, anchor: .end, baseline: .middle)
            widest = max(widest, c.textWidth(s, size: 10))
        }
        c.text(xTitle, x: px + pw / 2, y: py + ph + 24, size: 11, anchor: .centre, baseline: .top)
        c.text(yTitle, x: px - widest - 12, y: py + ph / 2, size: 11, anchor: .centre, baseline: .bottom, angle: -90)
        // Points along every drawn line (segments sampled), for placing the legend where it hides least.
        var drawn = [(Double, Double)]()
        for s in series {
            let pts = zip(s.x, s.y).filter { $0.isFinite && $1.isFinite && (xScale == .linear || $0 > 0) && (yScale == .linear || $1 > 0) }.map { (cx($0), cy($1)) }
            for (a, b) in zip(pts, pts.dropFirst()) {
                let n = max(1, min(1000, Int(hypot(b.0 - a.0, b.1 - a.1) / 4)))   // a sample every 4 units
                for k in 0..<n { let t = Double(k) / Double(n); drawn.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
            }
            if let last = pts.last { drawn.append(last) }
        }
        drawLegend(on: c, px: px, py: py, pw: pw, ph: ph, avoiding: drawn)
    }

    func drawLegend(on c: Canvas, px: Double, py: Double, pw: Double, ph: Double, avoiding drawn: [(Double, Double)]) {
        let named = series.enumerated().filter { !$0.element.label.isEmpty }
        guard legend != .none, !named.isEmpty else { return }
        let row = 17.0, size = 10.0
        let boxW = 44 + (named.map { c.textWidth($0.element.label, size: size) }.max() ?? 0), boxH = 8 + row * Double(named.count)
        func box(_ place: LegendPlace) -> (Double, Double) {
            (place == .topLeft || place == .bottomLeft ? px + 10 : px + pw - boxW - 10, place == .topLeft || place == .topRight ? py + 10 : py + ph - boxH - 10)
        }
        var place = legend
        if place == .best {
            let covered = { (p: LegendPlace) -> Int in
                let (x, y) = box(p)
                return drawn.filter { $0.0 >= x && $0.0 <= x + boxW && $0.1 >= y && $0.1 <= y + boxH }.count
            }
            place = [LegendPlace.topRight, .topLeft, .bottomRight, .bottomLeft].min { covered($0) < covered($1) }!
        }
        let (bx, by) = box(place)
        c.fill(x: bx, y: by, width: boxW, height: boxH, .white)
        c.strokeRect(x: bx, y: by, width: boxW, height: boxH, RGB(0.6, 0.6, 0.6), lineWidth: 0.8)
        for (r, (k, s)) in named.enumerated() {
            LegendItem(s.label, colour: s.colour ?? Palette.line(k), kind: s.lineWidth == 0 ? .marker : s.dashed ? .dashed : .line)
                .draw(on: c, x: bx + 8, y: by + 4 + row * (Double(r) + 0.5), size: size)
        }
    }

    /// Major ticks and minor grid values: round steps on linear axes; decades (and 2, 5 between them) on log axes.
    static func ticks(_ r: ClosedRange<Double>, _ s: AxisScale, count: Int) -> ([Double], [Double]) {
        guard s == .log else { return (Ticks.linear(r.lowerBound, r.upperBound, count: count), []) }
        var major = Ticks.decades(r.lowerBound, r.upperBound)
        if major.count > 8 { let step = (major.count + 6) / 7; major = major.enumerated().filter { $0.offset % step == 0 }.map(\.element) }
        let minor = Ticks.decades(r.lowerBound / 10, r.upperBound).flatMap { [2 * $0, 5 * $0] }.filter { r.contains($0) }
        return (major, major.count >= 5 ? [] : minor)
    }

    static func labels(_ ticks: [Double], _ s: AxisScale) -> [String] {
        s == .linear ? Ticks.labels(ticks) : ticks.map { v in
            let e = Int(log10(v).rounded())
            return (-2...4).contains(e) ? Ticks.number(v) : "1e\(e)"
        }
    }
}
