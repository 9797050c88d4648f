// Where a grid's coordinates land on the canvas, and what is drawn over the cells: coastlines and paths (given in
// latitude/longitude, rotated onto rotated-pole grids and repeated every 360° of longitude so that a 0..360 map and
// a -180..180 map both show them), class outlines, the frame with its ticks and degree labels.
import Foundation

struct MapFrame {
    let grid: PlotGrid
    let x: Double, y: Double, width: Double, height: Double
    let x0: Double, x1: Double, y0: Double, y1: Double
    let yDown: Bool

    init(grid: PlotGrid, x: Double, y: Double, width: Double, height: Double) {
        self.grid = grid; self.x = x; self.y = y; self.width = width; self.height = height
        (x0, x1, y0, y1) = grid.extent
        if case let .plain(_, _, down) = grid.axes { yDown = down } else { yDown = false }
    }

    func canvasX(_ v: Double) -> Double { x + (v - x0) / (x1 - x0) * width }
    func canvasY(_ v: Double) -> Double { yDown ? y + (v - y0) / (y1 - y0) * height : y + (y1 - v) / (y1 - y0) * height }
    func dataX(_ cx: Double) -> Double { x0 + (cx - x) / width * (x1 - x0) }
    func dataY(_ cy: Double) -> Double { yDown ? y0 + (cy - y) / height * (y1 - y0) : y1 - (cy - y) / height * (y1 - y0) }

    // MARK: geographic lines

    /// The shorelines at a resolution that suits the map's span.
    func shorelines() throws -> [Shoreline] {
        try Coastlines.load(Coastlines.resolution(forSpan: x1 - x0))
    }

    /// A geographic polyline in grid coordinates, made continuous in longitude, as the copies (shifted by multiples
    /// of 360°) that overlap the map.
    func copies(_ points: [(lat: Double, lon: Double)]) -> [[(Double, Double)]] {
        guard !points.isEmpty else { return [] }
        var xy = points.map { grid.project(latitude: $0.lat, longitude: $0.lon) }
        for k in xy.indices.dropFirst() { xy[k].x = xy[k - 1].x + PlotGrid.wrap180(xy[k].x - xy[k - 1].x) }
        let lo = xy.map(\.x).min()!, hi = xy.map(\.x).max()!
        let ylo = xy.map(\.y).min()!, yhi = xy.map(\.y).max()!
        guard yhi >= y0, ylo <= y1 else { return [] }
        var out = [[(Double, Double)]]()
        for k in -2...2 {
            let s = Double(k) * 360
            if hi + s >= x0, lo + s <= x1 { out.append(xy.map { (canvasX($0.x + s), canvasY($0.y)) }) }
        }
        return out
    }

    func drawShorelines(_ lines: [Shoreline], on c: Canvas) {
        let rotated = grid.axes != .geographic
        // Lakes smaller than about a pixel and a half are clutter, not information.
        let smallest = 1.5 * (x1 - x0) / width
        for line in lines {
            // Cheap rejection on a lat/lon map: latitude outside the map.
            if !rotated, line.latRange.upperBound < y0 || line.latRange.lowerBound > y1 { continue }
            if line.level > 1, max(line.lonRange.upperBound - line.lonRange.lowerBound, line.latRange.upperBound - line.latRange.lowerBound) < smallest { continue }
            for copy in copies(line.points) { c.polyline(copy, RGB(0.1, 0.1, 0.1), lineWidth: line.level == 1 ? 0.8 : 0.5) }
        }
    }

    func drawPath(_ p: MapPath, on c: Canvas) {
        for copy in copies(p.points) {
            c.polyline(copy, .white, lineWidth: 3.2, alpha: 0.7)
            c.polyline(copy, p.colour, lineWidth: 1.8)
            c.circle(x: copy[0].0, y: copy[0].1, radius: 3.2, fill: p.colour, outline: .white)
        }
    }

    /// The boundary between cells of the class and cells of other classes (or the grid's edge).
    func drawOutline(_ o: Outline, on c: Canvas) {
        let (h, w) = (grid.rows, grid.columns)
        guard o.mask.count == h * w else { return }
        let colEdges = (0..<w).map(grid.columnEdges), rowEdges = (0..<h).map(grid.rowEdges)
        var segments = [(Double, Double, Double, Double)]()
        // Neighbours in sorted (on-screen) order, so that uneven or descending coordinates still outline correctly.
        let xs = grid.xOrder, ys = grid.yOrder
        func inClass(_ si: Int, _ sj: Int) -> Bool {
            guard si >= 0, si < h, sj >= 0, sj < w else { return false }
            return o.mask[ys[si] * w + xs[sj]] == o.value
        }
        for si in 0..<h { for sj in 0..<w where inClass(si, sj) {
            let i = ys[si], j = xs[sj]
            let (xa, xb) = colEdges[j], (ya, yb) = rowEdges[i]
            if !inClass(si, sj - 1) { segments.append((xa, ya, xa, yb)) }
            if !inClass(si, sj + 1) { segments.append((xb, ya, xb, yb)) }
            if !inClass(si - 1, sj) { segments.append((xa, ya, xb, ya)) }
            if !inClass(si + 1, sj) { segments.append((xa, yb, xb, yb)) }
        } }
        c.segments(segments.map { (canvasX($0.0), canvasY($0.1), canvasX($0.2), canvasY($0.3)) }, o.colour, lineWidth: 1.6)
    }

    // MARK: axes

    func drawAxes(on c: Canvas) {
        c.strokeRect(x: x, y: y, width: width, height: height, .black, lineWidth: 1)
        let size = 9.5
        let xTicks: [Double], yTicks: [Double], xLabel: (Double) -> String, yLabel: (Double) -> String
        var xTitle: String?, yTitle: String?
        switch grid.axes {
        case .geographic:
            xTicks = Ticks.degrees(x0, x1, count: max(3, Int(width / 90))); yTicks = Ticks.degrees(y0, y1, count: max(3, Int(height / 45)))
            xLabel = Ticks.longitudeLabel; yLabel = Ticks.latitudeLabel
        case .rotatedPole:
            xTicks = Ticks.degrees(x0, x1, count: max(3, Int(width / 90))); yTicks = Ticks.degrees(y0, y1, count: max(3, Int(height / 45)))
            xLabel = { Ticks.number($0) + "°" }; yLabel = { Ticks.number($0) + "°" }
            xTitle = "rotated longitude"; yTitle = "rotated latitude"
        case let .plain(xt, yt, _):
            xTicks = Ticks.linear(x0, x1, count: max(3, Int(width / 80))); yTicks = Ticks.linear(y0, y1, count: max(3, Int(height / 60)))
            xLabel = Ticks.number; yLabel = Ticks.number
            xTitle = xt; yTitle = yt
        }
        let grey = RGB(1, 1, 1)
        for t in xTicks {
            let cx = canvasX(t)
            if grid.isGeographic, cx > x + 1, cx < x + width - 1 { c.line(cx, y, cx, y + height, grey, lineWidth: 0.5, dash: (2, 3)) }
            c.line(cx, y + height, cx, y + height + 4, .black, lineWidth: 0.8)
            c.text(xLabel(t), x: cx, y: y + height + 6, size: size, anchor: .centre, baseline: .top)
        }
        for t in yTicks {
            let cy = canvasY(t)
            if grid.isGeographic, cy > y + 1, cy < y + height - 1 { c.line(x, cy, x + width, cy, grey, lineWidth: 0.5, dash: (2, 3)) }
            c.line(x - 4, cy, x, cy, .black, lineWidth: 0.8)
            c.text(yLabel(t), x: x - 6, y: cy, size: size, anchor: .end, baseline: .middle)
        }
        if let xTitle { c.text(xTitle, x: x + width / 2, y: y + height + 19, size: 10, anchor: .centre, baseline: .top) }
        if let yTitle { c.text(yTitle, x: x - 44, y: y + height / 2, size: 10, anchor: .centre, baseline: .bottom, angle: -90) }
    }
}
