// Connected regions of a mask on a latitude-longitude grid (longitude periodic on global grids) and their shape on
// the sphere: area, centroid, and main-axis length (great-circle distance between the two mutually farthest points,
// found by a double sweep from the centroid). Used by the labeller, detection objects and tracking.
import Foundation

/// A connected region of a mask: its points and their shape on the sphere.
struct GridRegion {
    var points: [Int]
    var areaKm2: Double
    var lengthKm: Double
    var centroid: (lat: Double, lon: Double)
    var widthKm: Double { areaKm2 / max(lengthKm, 1e-9) }
}

extension LatLonGrid {
    /// Connected regions of `member` (row-major), 4- or 8-connected, wrapping in longitude on global grids.
    func regions(_ member: [Bool], connectivity: Int = 8) -> [GridRegion] {
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
    func describe(_ points: [Int]) -> GridRegion {
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
