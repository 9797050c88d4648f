// Constructed weather fields with known events for the detection tests: a flat background, Rankine vortices
// (cyclonic or not, warm or cold core) and straight moisture plumes of a chosen length, on a global lat/lon grid,
// in memory or written to NetCDF.
import Foundation
import GridTensor
import GridIO
@testable import GridTasks

struct DetectWeatherFixture {
    var grid: LatLonGrid
    var psl: [Float], u: [Float], v: [Float], iwv: [Float], t500: [Float]

    /// A flat, calm, dry-ish background on a global grid of `spacing` degrees.
    init(spacing: Double = 2) {
        let h = Int(180 / spacing), w = Int(360 / spacing)
        grid = LatLonGrid(lat: (0..<h).map { -90 + spacing / 2 + spacing * Double($0) }, lon: (0..<w).map { spacing * Double($0) })
        let n = h * w
        psl = [Float](repeating: 101_300, count: n); u = [Float](repeating: 0, count: n); v = [Float](repeating: 0, count: n)
        iwv = [Float](repeating: 10, count: n); t500 = [Float](repeating: 260, count: n)
    }

    var fields: [FieldRole: [Float]] { [.psl: psl, .u850: u, .v850: v, .iwv: iwv, .t500: t500] }

    /// The same fields on the same points with rows and columns reordered: `rows[i]` / `cols[j]` is the old index
    /// of new row i / column j; longitudes mapped by `lon`.
    func permuted(rows: [Int], cols: [Int], lon map: (Double) -> Double = { $0 }) -> DetectWeatherFixture {
        var out = self
        out.grid = LatLonGrid(lat: rows.map { grid.lat[$0] }, lon: cols.map { map(grid.lon[$0]) })
        let w = grid.width
        func p(_ f: [Float]) -> [Float] { rows.flatMap { i in cols.map { j in f[i * w + j] } } }
        out.psl = p(psl); out.u = p(u); out.v = p(v); out.iwv = p(iwv); out.t500 = p(t500)
        return out
    }

    func index(lat: Double, lon: Double) -> Int {
        let i = grid.lat.indices.min { abs(grid.lat[$0] - lat) < abs(grid.lat[$1] - lat) }!
        let j = grid.lon.indices.min { abs(LatLonGrid.lonDifference(grid.lon[$0], lon)) < abs(LatLonGrid.lonDifference(grid.lon[$1], lon)) }!
        return i * grid.width + j
    }

    /// Adds a vortex: Gaussian pressure deficit (hPa), Rankine tangential wind (peak m/s at `rmax` km), rotating
    /// anticlockwise (`anticlockwise`) or clockwise, and a T500 anomaly (K) at the centre.
    mutating func addVortex(lat: Double, lon: Double, depth: Float = 30, vmax: Double = 30, rmax: Double = 300,
                            anticlockwise: Bool, tAnomaly: Float = 4) {
        let w = grid.width
        for i in 0..<grid.height { for j in 0..<w {
            let k = i * w + j
            let dKm = LatLonGrid.arc(lat, lon, grid.lat[i], grid.lon[j]) * .pi / 180 * earthRadiusKm
            guard dKm < 3000 else { continue }
            psl[k] -= 100 * depth * Float(exp(-pow(dKm / 500, 2)))
            t500[k] += tAnomaly * Float(exp(-pow(dKm / 400, 2)))
            let speed = dKm < rmax ? vmax * dKm / rmax : vmax * rmax / dKm
            // Direction from the centre (east, north) in a local tangent plane.
            let dx = LatLonGrid.lonDifference(grid.lon[j], lon) * cos(grid.lat[i] * .pi / 180), dy = grid.lat[i] - lat
            let r = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            let s: Double = anticlockwise ? 1 : -1
            u[k] += Float(s * speed * (-dy / r)); v[k] += Float(s * speed * (dx / r))
        } }
    }

    /// Adds a straight (great-circle) moisture plume from (lat, lon) along `bearing` (degrees from north) of
    /// `length` km and Gaussian half-width `sigma` km, lifting IWV by `lift` on its axis.
    mutating func addPlume(lat: Double, lon: Double, bearing: Double, length: Double, sigma: Double = 200, lift: Float = 25) {
        let steps = Int(length / 25)
        var axis = [(Double, Double)]()
        for s in 0...steps { axis.append(Self.destination(lat, lon, bearing: bearing, km: Double(s) * 25)) }
        for i in 0..<grid.height { for j in 0..<grid.width {
            var d = Double.infinity
            for (a, b) in axis { d = min(d, LatLonGrid.arc(a, b, grid.lat[i], grid.lon[j]) * .pi / 180 * earthRadiusKm) }
            if d < 4 * sigma { iwv[i * grid.width + j] += lift * Float(exp(-0.5 * pow(d / sigma, 2))) }
        } }
    }

    static func destination(_ lat: Double, _ lon: Double, bearing: Double, km: Double) -> (Double, Double) {
        let r = Double.pi / 180, d = km / earthRadiusKm, b = bearing * r, p = lat * r
        let p2 = asin(sin(p) * cos(d) + cos(p) * sin(d) * cos(b))
        let l2 = lon * r + atan2(sin(b) * sin(d) * cos(p), cos(d) - sin(p) * sin(p2))
        return (p2 / r, (l2 / r + 360).truncatingRemainder(dividingBy: 360))
    }

    /// Writes `steps` copies of the fields (PSL in `pslUnits`, scaled) with CF coordinates and optionally truth;
    /// with `frames`, one step per frame (fields moving in time) instead.
    func write(_ path: String, steps: Int = 2, pslUnits: String = "Pa", names: [FieldRole: String] = [:], skip: Set<FieldRole> = [],
               truth: [Int8]? = nil, latLon: Bool = true, frames: [DetectWeatherFixture]? = nil,
               standardNames: [FieldRole: String] = [:]) throws {
        let (h, w) = (grid.height, grid.width)
        let wr = try NetCDFWriter(path: path, overwrite: true, history: "test")
        try wr.defineDimension("time", length: nil)
        var time = NCVariableDefinition(name: "time", dimensions: ["time"], type: .double, units: "hours since 2001-01-01")
        time.fillValue = nil
        try wr.defineVariable(time)
        let (yd, xd) = latLon ? ("lat", "lon") : ("y", "x")
        try wr.defineDimension(yd, length: h); try wr.defineDimension(xd, length: w)
        if latLon {
            var lat = NCVariableDefinition(name: "lat", dimensions: ["lat"], type: .double, units: "degrees_north", standardName: "latitude")
            lat.fillValue = nil
            var lon = NCVariableDefinition(name: "lon", dimensions: ["lon"], type: .double, units: "degrees_east", standardName: "longitude")
            lon.fillValue = nil
            try wr.defineVariable(lat); try wr.defineVariable(lon)
            try wr.write("lat", doubles: grid.lat); try wr.write("lon", doubles: grid.lon)
        }
        let scale: Float = pslUnits == "hPa" ? 0.01 : 1
        func fields(_ f: DetectWeatherFixture) -> [(FieldRole, String, String, [Float])] {
            [(.psl, "PSL", pslUnits, f.psl.map { $0 * scale }), (.u850, "U850", "m s-1", f.u), (.v850, "V850", "m s-1", f.v),
             (.iwv, "TMQ", "kg m-2", f.iwv), (.t500, "T500", "K", f.t500)].filter { !skip.contains($0.0) }
        }
        let vars = fields(self)
        for (role, name, units, _) in vars {
            try wr.defineVariable(NCVariableDefinition(name: names[role] ?? name, dimensions: ["time", yd, xd], units: units,
                                                       standardName: standardNames[role]))
        }
        if truth != nil {
            var def = NCVariableDefinition(name: "true_class", dimensions: ["time", yd, xd], type: .byte)
            def.fillValue = -1
            try wr.defineVariable(def)
        }
        for s in 0..<(frames?.count ?? steps) {
            for (role, name, _, data) in frames.map({ fields($0[s]) }) ?? vars { try wr.append(names[role] ?? name, Tensor(shape: [h, w], scalars: data), time: Double(6 * s)) }
            if let truth { try wr.append("true_class", Tensor(shape: [h, w], scalars: truth.map { Float($0) })) }
        }
        try wr.finish()
    }
}

func detectTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridcnn-detect-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
