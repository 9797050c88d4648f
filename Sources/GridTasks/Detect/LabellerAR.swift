// Atmospheric rivers (Ralph et al. 2004 geometry): connected regions of high column water vapour, poleward of a
// latitude, longer than 2000 km along their main axis and narrower than 1000 km. "High" is an absolute threshold
// and an anomaly over the time step's zonal median (optionally also a zonal percentile), so that the moist tropics
// and subtropical bands do not merge into one region. Length is the great-circle distance between the region's two
// mutually farthest points (found by a double sweep from the centroid); width is area / length.
import Foundation

/// A connected region of a mask: its points and their shape on the sphere.
public struct GridRegion {
    public var points: [Int]
    public var areaKm2: Double
    public var lengthKm: Double
    public var centroid: (lat: Double, lon: Double)
    public var widthKm: Double { areaKm2 / max(lengthKm, 1e-9) }
}

extension LatLonGrid {
    /// Connected regions of `member` (row-major), 4- or 8-connected, wrapping in longitude on global grids.
    public func regions(_ member: [Bool], connectivity: Int = 8) -> [GridRegion] {
        let w = width
        var label = [Int32](repeating: -1, count: member.count)
        var out = [GridRegion]()
        for start in member.indices where member[start] && label[start] < 0 {
            var points = [start]
            label[start] = Int32(out.count)
            var head = 0
            while head < points.count {
                let k = points[head]; head += 1
                for (ii, jj) in neighbours(k / w, k % w, connectivity: connectivity) {
                    let n = ii * w + jj
                    if member[n] && label[n] < 0 { label[n] = Int32(out.count); points.append(n) }
                }
            }
            out.append(describe(points))
        }
        return out
    }

    /// Area, centroid and main-axis length of a set of points.
    public func describe(_ points: [Int]) -> GridRegion {
        let w = width
        var (x, y, z, area) = (0.0, 0.0, 0.0, 0.0)
        for k in points {
            let a = cellArea[k / w], v = unitVector(k / w, k % w)
            x += a * v.0; y += a * v.1; z += a * v.2; area += a
        }
        var c = LatLonGrid.position(x, y, z)
        if (lon.min() ?? 0) >= 0 && c.lon < 0 { c.lon += 360 }   // the grid's own longitude convention
        // Double sweep: the point farthest from the centroid, then the point farthest from that one.
        func farthest(from lat0: Double, _ lon0: Double) -> (Int, Double) {
            var best = points[0], d = -1.0
            for k in points {
                let e = LatLonGrid.arc(lat0, lon0, lat[k / w], lon[k % w])
                if e > d { d = e; best = k }
            }
            return (best, d)
        }
        let (a, _) = farthest(from: c.lat, c.lon)
        let (_, span) = farthest(from: lat[a / w], lon[a % w])
        // A region of one cell still has the cell's own extent.
        let cellSize = (cellArea[points[0] / w]).squareRoot()
        let length = max(span * .pi / 180 * earthRadiusKm, cellSize)
        return GridRegion(points: points, areaKm2: area, lengthKm: length, centroid: c)
    }
}

extension Labeller {
    static func labelRivers(_ iwv: [Float], grid g: LatLonGrid, options o: LabellerOptions, into mask: inout [Int8]) -> [LabelledEvent] {
        let (h, w) = (g.height, g.width)
        var candidate = [Bool](repeating: false, count: h * w)
        for i in 0..<h where abs(g.lat[i]) >= o.arMinLatitude {
            let row = (0..<w).map { iwv[i * w + $0] }.filter(\.isFinite).sorted()
            guard !row.isEmpty else { continue }
            let median = Double(row[row.count / 2])
            var threshold = max(o.arIWV, median + o.arAnomaly)
            if o.arPercentile > 0 {
                let q = Double(row[min(row.count - 1, Int((o.arPercentile / 100 * Double(row.count - 1)).rounded()))])
                threshold = max(threshold, q)
            }
            for j in 0..<w where Double(iwv[i * w + j]) >= threshold { candidate[i * w + j] = true }
        }
        var events = [LabelledEvent]()
        for r in g.regions(candidate, connectivity: o.connectivity) where r.lengthKm >= o.arMinLength && r.widthKm <= o.arMaxWidth {
            var peak = -Float.infinity
            for k in r.points { mask[k] = Int8(EventClass.atmosphericRiver.rawValue); peak = max(peak, iwv[k]) }
            events.append(LabelledEvent(eventClass: 2, lat: r.centroid.lat, lon: r.centroid.lon,
                                        diagnostics: ["length_km": r.lengthKm, "width_km": r.widthKm, "area_km2": r.areaKm2,
                                                      "max_iwv_kg_m-2": Double(peak)]))
        }
        return events
    }
}
