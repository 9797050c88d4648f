// The latitude-longitude grid event detection works on: 1-D CF latitude and longitude coordinates (any spacing,
// either order), great-circle distances, neighbourhoods within a radius (wrapping in longitude when the grid is
// global), cell areas, and relative vorticity from U/V by centred finite differences on the sphere.
import Foundation
import GridIO

let earthRadiusKm = 6371.0

/// A rectilinear lat/lon grid: row i has latitude lat[i], column j longitude lon[j] (degrees).
struct LatLonGrid: Equatable, Sendable {
    let lat: [Double]
    let lon: [Double]
    /// True when the columns cover the whole circle evenly (then neighbours and objects wrap around).
    let periodic: Bool
    let cosLat: [Double]
    /// Cell areas per row (km^2).
    let cellArea: [Double]

    var height: Int { lat.count }
    var width: Int { lon.count }

    init(lat: [Double], lon: [Double]) {
        self.lat = lat; self.lon = lon
        let w = lon.count
        var isPeriodic = false
        if w >= 3 {
            let d = (lon[1] - lon[0] + 360).truncatingRemainder(dividingBy: 360)
            let even = (1..<w).allSatisfy { abs(((lon[$0] - lon[$0 - 1] + 360).truncatingRemainder(dividingBy: 360)) - d) < 0.01 * d + 1e-9 }
            isPeriodic = even && d > 0 && abs(Double(w) * d - 360) < 0.5 * d
        }
        periodic = isPeriodic
        cosLat = lat.map { Foundation.cos($0 * .pi / 180) }
        // Row edges halfway between centres (clamped to the poles); area = R^2 dlon |sin(top) - sin(bottom)|.
        let h = lat.count
        let dlon = w > 1 ? abs(LatLonGrid.lonDifference(lon[min(1, w - 1)], lon[0])) : 1
        cellArea = (0..<h).map { i in
            let up = i + 1 < h ? (lat[i] + lat[i + 1]) / 2 : lat[i] + (h > 1 ? (lat[i] - lat[i - 1]) / 2 : 0.5)
            let down = i > 0 ? (lat[i] + lat[i - 1]) / 2 : lat[i] - (h > 1 ? (lat[1] - lat[0]) / 2 : 0.5)
            let s = { (x: Double) in Foundation.sin(min(max(x, -90), 90) * .pi / 180) }
            return earthRadiusKm * earthRadiusKm * dlon * .pi / 180 * abs(s(up) - s(down))
        }
    }

    /// The grid of variable `name`: its last two dimensions must carry 1-D latitude and longitude coordinates.
    static func of(_ file: NetCDFFile, variable name: String) throws -> LatLonGrid {
        let v = try file.variable(name)
        let system = try file.coordinateSystem(for: name)
        let dims = v.dimensionNames
        guard dims.count >= 2, let la = system.dimensionCoordinates[dims.count - 2], la.kind == .latitude,
              let lo = system.dimensionCoordinates[dims.count - 1], lo.kind == .longitude else {
            throw TaskError("\(file.path): '\(name)' is on a grid without lat/lon (dimensions \(dims.joined(separator: ", "))); detection needs 1-D latitude and longitude coordinates as its last two dimensions")
        }
        let lat = try file.readDoubles(la.name), lon = try file.readDoubles(lo.name)
        guard lat.allSatisfy({ $0.isFinite && abs($0) <= 90 }), lon.allSatisfy(\.isFinite), lat.count >= 3, lon.count >= 3 else {
            throw TaskError("\(file.path): latitude '\(la.name)' / longitude '\(lo.name)' values are not a usable grid (need at least 3x3, |lat| <= 90)")
        }
        return LatLonGrid(lat: lat, lon: lon)
    }

    /// a - b in degrees, wrapped into (-180, 180].
    static func lonDifference(_ a: Double, _ b: Double) -> Double {
        var d = (a - b).truncatingRemainder(dividingBy: 360)
        if d > 180 { d -= 360 } else if d <= -180 { d += 360 }
        return d
    }

    /// Great-circle distance (degrees of arc) between grid points.
    func distance(_ i1: Int, _ j1: Int, _ i2: Int, _ j2: Int) -> Double {
        LatLonGrid.arc(lat[i1], lon[j1], lat[i2], lon[j2])
    }

    /// Great-circle distance (degrees of arc) between two positions (haversine).
    static func arc(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let r = Double.pi / 180
        let a = pow(sin((lat2 - lat1) * r / 2), 2) + cos(lat1 * r) * cos(lat2 * r) * pow(sin((lon2 - lon1) * r / 2), 2)
        return 2 * asin(min(1, a.squareRoot())) / r
    }

    /// Calls `body(i, j, distance)` for every grid point within `radius` degrees of arc of (i0, j0).
    func forEach(within radius: Double, of i0: Int, _ j0: Int, _ body: (Int, Int, Double) -> Void) {
        let dlat = lat.count > 1 ? (0..<(lat.count - 1)).map { abs(lat[$0 + 1] - lat[$0]) }.min()! : 180
        let rows = Int((radius / max(dlat, 1e-6)).rounded(.up))
        let dlon = abs(LatLonGrid.lonDifference(lon[1], lon[0]))
        for i in max(0, i0 - rows)...min(height - 1, i0 + rows) {
            let c = max(min(cosLat[i], cosLat[i0]), 0.02)
            var cols = Int((radius / max(dlon * c, 1e-6)).rounded(.up)) + 1
            if periodic { cols = min(cols, (width - 1) / 2) }
            for dj in -cols...cols {
                var j = j0 + dj
                if periodic { j = ((j % width) + width) % width } else if j < 0 || j >= width { continue }
                let d = distance(i0, j0, i, j)
                if d <= radius { body(i, j, d) }
            }
        }
    }

    /// The 4 or 8 neighbours of (i, j), wrapping in longitude on periodic grids.
    func neighbours(_ i: Int, _ j: Int, connectivity: Int = 8) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        out.reserveCapacity(connectivity)
        for di in -1...1 { for dj in -1...1 where (di != 0 || dj != 0) && (connectivity == 8 || di == 0 || dj == 0) {
            let ii = i + di
            guard ii >= 0, ii < height else { continue }
            var jj = j + dj
            if periodic { jj = (jj + width) % width } else if jj < 0 || jj >= width { continue }
            out.append((ii, jj))
        } }
        return out
    }

    /// Relative vorticity dv/dx - du/dy + u tan(lat)/a (s^-1) from u, v (m s^-1) on this grid, row-major [H*W].
    /// Centred differences with the actual spacing; one-sided at the edges of regional grids.
    func vorticity(u: [Float], v: [Float]) -> [Float] {
        let (h, w) = (height, width)
        let a = earthRadiusKm * 1000, rad = Double.pi / 180
        var out = [Float](repeating: .nan, count: h * w)
        for i in 0..<h {
            let (iu, id) = (min(i + 1, h - 1), max(i - 1, 0))
            let dphi = (lat[iu] - lat[id]) * rad
            let c = max(cosLat[i], 1e-3)
            let t = tan(lat[i] * rad)
            for j in 0..<w {
                var jr = j + 1, jl = j - 1
                if periodic { jr %= w; jl = (jl + w) % w } else { jr = min(jr, w - 1); jl = max(jl, 0) }
                let dlam = LatLonGrid.lonDifference(lon[jr], lon[jl]) * rad
                let dvdx = dlam == 0 ? 0 : Double(v[i * w + jr] - v[i * w + jl]) / (a * c * dlam)
                let dudy = dphi == 0 ? 0 : Double(u[iu * w + j] - u[id * w + j]) / (a * dphi)
                out[i * w + j] = Float(dvdx - dudy + Double(u[i * w + j]) * t / a)
            }
        }
        return out
    }

    /// Unit vector of a grid point (for centroids on the sphere).
    func unitVector(_ i: Int, _ j: Int) -> (Double, Double, Double) {
        let p = lat[i] * .pi / 180, l = lon[j] * .pi / 180
        return (cos(p) * cos(l), cos(p) * sin(l), sin(p))
    }

    static func position(_ x: Double, _ y: Double, _ z: Double) -> (lat: Double, lon: Double) {
        let n = max((x * x + y * y + z * z).squareRoot(), 1e-12)
        return (asin(z / n) * 180 / .pi, atan2(y, x) * 180 / .pi)
    }
}

extension LatLonGrid {
    // Shared by detection (clearing cold-core regions) and tracking (candidate diagnostics).
    /// Warm-core anomaly (K): mean `t` within `core` degrees of (i0, j0) minus its mean over the annulus between
    /// `inner` and `outer` degrees; nil without valid values in either.
    func warmCore(_ t: [Float], at i0: Int, _ j0: Int, core: Double, inner: Double, outer: Double) -> Double? {
        var coreSum = 0.0, coreN = 0, env = 0.0, envN = 0
        forEach(within: outer, of: i0, j0) { i, j, d in
            let v = t[i * width + j]
            guard v.isFinite else { return }
            if d <= core { coreSum += Double(v); coreN += 1 }
            if d >= inner { env += Double(v); envN += 1 }
        }
        guard coreN > 0, envN > 0 else { return nil }
        return coreSum / Double(coreN) - env / Double(envN)
    }
}
