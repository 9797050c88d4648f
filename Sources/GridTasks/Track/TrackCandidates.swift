// Cyclone candidates in one time step, as TempestExtremes' DetectNodes finds them: sea-level-pressure minima (the
// lowest point within a merge distance) that pass a closed-contour test (a flood fill from the centre over points
// below centre + rise must stay within a great-circle distance), optionally equatorward of a latitude, with
// cyclonic 850 hPa vorticity nearby and a warm core. Each candidate carries the values a track file reports.
import Foundation
import GridIO

/// One point of a track (or a candidate for one): where, when, and the storm's values there.
struct TrackPoint: Codable, Equatable, Sendable {
    var step: Int
    /// Hours on one axis per file: since 1970-01-01 when the date is known, else step x step length.
    var hours: Double
    var date: CFDate?
    var lat: Double
    var lon: Double
    /// Grid row (latitude index) and column (longitude index); -1 when read from a file without them.
    var row = -1, column = -1
    /// Central sea-level pressure (hPa).
    var pressure: Double?
    /// Maximum 850 hPa (or given level) wind speed near the centre (m s-1).
    var wind: Double?
    /// Cyclonic relative vorticity near the centre (s-1, signed as in the field).
    var vorticity: Double?
    /// Warm-core anomaly: core minus environment temperature (K).
    var warmCore: Double?

    init(step: Int, hours: Double, date: CFDate? = nil, lat: Double, lon: Double) {
        self.step = step; self.hours = hours; self.date = date; self.lat = lat; self.lon = lon
    }
}

/// Thresholds of the candidate search; every one is a command-line option (units in the names' comments).
public struct CandidateOptions: Codable, Equatable, Sendable {
    /// A centre is the lowest pressure within this great-circle distance (degrees); nearer minima merge into it.
    public var mergeDistance = 6.0
    /// Closed contour: pressure rises by at least this (hPa)...
    public var closedContourRise = 2.0
    /// ...everywhere within this great-circle distance of the centre (degrees).
    public var closedContourDistance = 6.0
    /// Centres only this close to the equator (degrees latitude); nil: anywhere.
    public var maxLatitude: Double?
    /// Cyclonic 850 hPa vorticity (positive north, negative south) within `searchRadius` at least this (s-1); nil: not checked.
    public var minVorticity: Double?
    /// Warm core: mean temperature within `coreRadius` above the 6-8 degree annulus mean by at least this (K); nil: not checked.
    public var minWarmCore: Double?
    /// Radius of the warm core's mean temperature (degrees).
    public var coreRadius = 2.0
    /// Radius (degrees) in which the maximum wind and the vorticity are taken.
    public var searchRadius = 3.0

    /// The extratropical defaults (no latitude band, vorticity or warm-core test); `TrackPreset.tropical.candidates`
    /// holds the tropical ones.
    public init() {}

    /// Checks that distances are positive and the contour rise is not negative.
    /// - Throws: `TaskError` naming the offending option.
    public func validate() throws {
        func need(_ ok: Bool, _ what: String) throws { if !ok { throw TaskError("track option \(what)") } }
        try need(mergeDistance > 0, "--merge-distance must be positive (degrees)")
        try need(closedContourRise >= 0 && closedContourDistance > 0, "--closed-contour needs a rise >= 0 hPa and a distance > 0 degrees")
        try need(coreRadius > 0 && searchRadius > 0, "--core-radius and --search-radius must be positive (degrees)")
    }
}

/// One step's fields in threshold units (PSL Pa, winds m s-1, temperature K), with its place in time.
struct TrackFields {
    var psl: [Float], u: [Float]?, v: [Float]?, t: [Float]?
    var step: Int, hours: Double, date: CFDate?
    init(psl: [Float], u: [Float]? = nil, v: [Float]? = nil, t: [Float]? = nil, step: Int = 0, hours: Double = 0, date: CFDate? = nil) {
        self.psl = psl; self.u = u; self.v = v; self.t = t; self.step = step; self.hours = hours; self.date = date
    }
}

enum TrackCandidates {
    /// Candidates of one step: closed pressure minima.
    static func find(_ f: TrackFields, grid g: LatLonGrid, options o: CandidateOptions) -> [TrackPoint] {
        let (w, psl) = (g.width, f.psl)
        let vort = vorticity(f, grid: g)
        var out = [TrackPoint]()
        for i in 0..<g.height { for j in 0..<w {
            let p = psl[i * w + j]
            guard p.isFinite, !g.neighbours(i, j).contains(where: { !(psl[$0.0 * w + $0.1] >= p) }) else { continue }
            var lowest = true
            g.forEach(within: o.mergeDistance, of: i, j) { ii, jj, _ in
                let q = psl[ii * w + jj]
                // Ties go to the first point in scan order.
                if q < p || (q == p && ii * w + jj < i * w + j) { lowest = false }
            }
            guard lowest, closedContour(psl, grid: g, i: i, j: j, rise: Float(100 * o.closedContourRise), distance: o.closedContourDistance),
                  let c = candidate(f, vorticity: vort, at: i, j, grid: g, options: o) else { continue }
            out.append(c)
        } }
        return out
    }

    /// Candidates of one step from a class mask (`gridcnn detect` / `gridcnn label`): one per connected region of
    /// class `eventClass`, at its lowest pressure; the latitude, vorticity and warm-core thresholds still apply.
    static func find(_ f: TrackFields, mask: [Int8], eventClass: Int8, grid g: LatLonGrid, options o: CandidateOptions) -> [TrackPoint] {
        let vort = vorticity(f, grid: g)
        return g.regions(mask.map { $0 == eventClass }).compactMap { r in
            guard let k = r.points.filter({ f.psl[$0].isFinite }).min(by: { f.psl[$0] < f.psl[$1] }) else { return nil }
            return candidate(f, vorticity: vort, at: k / g.width, k % g.width, grid: g, options: o)
        }
    }

    static func vorticity(_ f: TrackFields, grid g: LatLonGrid) -> [Float]? { f.u.flatMap { u in f.v.map { g.vorticity(u: u, v: $0) } } }

    /// The candidate at (i, j) with its values, or nil when a latitude, vorticity or warm-core threshold fails.
    static func candidate(_ f: TrackFields, vorticity vort: [Float]?, at i: Int, _ j: Int, grid g: LatLonGrid, options o: CandidateOptions) -> TrackPoint? {
        let w = g.width
        if let m = o.maxLatitude, abs(g.lat[i]) > m { return nil }
        var c = TrackPoint(step: f.step, hours: f.hours, date: f.date, lat: g.lat[i], lon: g.lon[j])
        c.row = i; c.column = j; c.pressure = Double(f.psl[i * w + j]) / 100
        let hemisphere: Float = g.lat[i] >= 0 ? 1 : -1
        var wind = -Float.infinity, z = -Float.infinity
        g.forEach(within: o.searchRadius, of: i, j) { ii, jj, _ in
            let k = ii * w + jj
            if let u = f.u, let v = f.v, u[k].isFinite, v[k].isFinite { wind = max(wind, (u[k] * u[k] + v[k] * v[k]).squareRoot()) }
            if let vort, vort[k].isFinite { z = max(z, vort[k] * hemisphere) }
        }
        if wind.isFinite { c.wind = Double(wind) }
        if z.isFinite { c.vorticity = Double(z * hemisphere) }
        if let minV = o.minVorticity, vort != nil, !(Double(z) >= minV) { return nil }
        if let t = f.t { c.warmCore = g.warmCore(t, at: i, j, core: o.coreRadius, inner: 6, outer: 8) }
        if let minT = o.minWarmCore, f.t != nil, !((c.warmCore ?? -.infinity) >= minT) { return nil }
        return c
    }

    /// TempestExtremes' closed-contour test: the flood from the centre over points below centre + rise stays within
    /// `distance` degrees and off the edge of a regional grid (missing values count as open: closure unproven).
    static func closedContour(_ p: [Float], grid g: LatLonGrid, i: Int, j: Int, rise: Float, distance: Double) -> Bool {
        let w = g.width
        let limit = p[i * w + j] + rise
        var queue = [i * w + j], seen: Set<Int> = [i * w + j], head = 0
        while head < queue.count {
            let k = queue[head]; head += 1
            let (ii, jj) = (k / w, k % w)
            if g.distance(i, j, ii, jj) > distance { return false }
            if ii == 0 || ii == g.height - 1 || (!g.periodic && (jj == 0 || jj == w - 1)) { return false }
            for (ni, nj) in g.neighbours(ii, jj) where !seen.contains(ni * w + nj) {
                let n = ni * w + nj
                seen.insert(n)
                if !p[n].isFinite { return false }
                if p[n] < limit { queue.append(n) }
            }
        }
        return true
    }
}
