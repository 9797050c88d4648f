// The grid a field is drawn on: latitude/longitude (regional or global, either order, 0..360 or -180..180, across
// the date line), rotated-pole (rlat/rlon with the CF rotated_latitude_longitude pole; coastlines are rotated onto
// it), or plain pixel axes (jet images). Cells span halfway to their neighbours, so uneven spacing (Gaussian
// latitudes) is drawn as it is.
import Foundation

/// The grid a field is drawn on: latitude-longitude (regional or global, either order, 0..360 or -180..180, across the
/// date line), rotated-pole, or plain pixel axes. Cells span halfway to their neighbours, so uneven spacing (Gaussian
/// latitudes) is drawn as it is.
public struct PlotGrid: Sendable {
    /// What the coordinates mean.
    public enum Axes: Sendable, Equatable {
        case geographic
        /// CF rotated_latitude_longitude: grid_north_pole_latitude / grid_north_pole_longitude (degrees).
        case rotatedPole(latitude: Double, longitude: Double)
        /// Plain axes titled `x` and `y`; `yDown` puts row 0 at the top (image convention).
        case plain(x: String, y: String, yDown: Bool)
    }

    /// Column centres as given (longitude, rotated longitude or x).
    public let x: [Double]
    /// Row centres as given (latitude, rotated latitude or y).
    public let y: [Double]
    /// What `x` and `y` mean.
    public let axes: Axes
    /// Sorted cell edges per axis, and the original index of each sorted cell.
    let xEdges: [Double], xOrder: [Int]
    let yEdges: [Double], yOrder: [Int]

    /// The number of columns (x values).
    public var columns: Int { x.count }
    /// The number of rows (y values).
    public var rows: Int { y.count }
    /// True for latitude-longitude and rotated-pole grids (coastlines and degree ticks apply).
    public var isGeographic: Bool { if case .plain = axes { return false } else { return true } }

    /// A grid of column centres `x` and row centres `y`, in any order.
    public init(x: [Double], y: [Double], axes: Axes) {
        self.x = x; self.y = y; self.axes = axes
        // Longitudes are made continuous (350, 355, 0, 5 -> 350, 355, 360, 365) before sorting.
        var ux = x
        if case .plain = axes {} else {
            for j in ux.indices.dropFirst() { ux[j] = ux[j - 1] + PlotGrid.wrap180(x[j] - x[j - 1]) }
        }
        (xEdges, xOrder) = PlotGrid.edges(ux, clamp: nil)
        (yEdges, yOrder) = PlotGrid.edges(y, clamp: axes == .geographic ? -90...90 : nil)
    }

    /// A latitude-longitude grid.
    public init(latitudes: [Double], longitudes: [Double]) { self.init(x: longitudes, y: latitudes, axes: .geographic) }

    /// A pixel grid of `columns` x `rows` (row 0 at the top).
    public init(columns: Int, rows: Int, xTitle: String, yTitle: String) {
        self.init(x: (0..<columns).map(Double.init), y: (0..<rows).map(Double.init), axes: .plain(x: xTitle, y: yTitle, yDown: true))
    }

    /// (x0, x1, y0, y1): the outer edges of the grid in its own coordinates.
    public var extent: (x0: Double, x1: Double, y0: Double, y1: Double) { (xEdges.first!, xEdges.last!, yEdges.first!, yEdges.last!) }

    /// Map aspect (height / width) with equal units on both axes.
    public var aspect: Double {
        let e = extent
        return max(e.y1 - e.y0, 1e-9) / max(e.x1 - e.x0, 1e-9)
    }

    /// The original column (row) index whose cell contains coordinate `v`, or nil outside the grid.
    func column(at v: Double) -> Int? { PlotGrid.cell(v, xEdges).flatMap { $0 < xOrder.count ? xOrder[$0] : nil } }
    func row(at v: Double) -> Int? { PlotGrid.cell(v, yEdges).flatMap { $0 < yOrder.count ? yOrder[$0] : nil } }

    /// Lower and upper edge of original column j / row i.
    func columnEdges(_ j: Int) -> (Double, Double) { let k = xOrder.firstIndex(of: j)!; return (xEdges[k], xEdges[k + 1]) }
    func rowEdges(_ i: Int) -> (Double, Double) { let k = yOrder.firstIndex(of: i)!; return (yEdges[k], yEdges[k + 1]) }

    /// A geographic position in this grid's coordinates (longitude not yet wrapped into the extent).
    public func project(latitude: Double, longitude: Double) -> (x: Double, y: Double) {
        switch axes {
        case .geographic, .plain: return (longitude, latitude)
        case let .rotatedPole(pLat, pLon): return PlotGrid.rotate(latitude: latitude, longitude: longitude, poleLatitude: pLat, poleLongitude: pLon)
        }
    }

    /// Geographic (lat, lon) to rotated (rlon, rlat) for a grid whose north pole lies at (poleLatitude, poleLongitude).
    public static func rotate(latitude: Double, longitude: Double, poleLatitude: Double, poleLongitude: Double) -> (x: Double, y: Double) {
        let r = Double.pi / 180
        let phi = latitude * r, dl = (longitude - poleLongitude) * r, sp = sin(poleLatitude * r), cp = cos(poleLatitude * r)
        let z = cp * cos(phi) * cos(dl) + sp * sin(phi)
        let rlat = asin(min(1, max(-1, z)))
        let rlon = atan2(-sin(dl) * cos(phi), -sp * cos(phi) * cos(dl) + cp * sin(phi))
        return (rlon / r, rlat / r)
    }

    static func wrap180(_ d: Double) -> Double {
        var w = d.truncatingRemainder(dividingBy: 360)
        if w > 180 { w -= 360 } else if w <= -180 { w += 360 }
        return w
    }

    static func edges(_ centres: [Double], clamp: ClosedRange<Double>?) -> ([Double], [Int]) {
        guard !centres.isEmpty else { return ([0, 1], []) }
        let order = centres.indices.sorted { centres[$0] < centres[$1] }
        let c = order.map { centres[$0] }
        var e: [Double]
        if c.count == 1 { e = [c[0] - 0.5, c[0] + 0.5] } else { e = [c[0] - (c[1] - c[0]) / 2] }
        if c.count > 1 {
            for k in 1..<c.count { e.append((c[k - 1] + c[k]) / 2) }
            e.append(c[c.count - 1] + (c[c.count - 1] - c[c.count - 2]) / 2)
        }
        if let r = clamp { e = e.map { min(max($0, r.lowerBound), r.upperBound) } }
        return (e, order)
    }

    /// Index k with edges[k] <= v < edges[k + 1], by bisection.
    static func cell(_ v: Double, _ edges: [Double]) -> Int? {
        guard v >= edges[0], v <= edges[edges.count - 1] else { return nil }
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if v < edges[mid] { hi = mid } else { lo = mid }
        }
        return lo
    }
}
