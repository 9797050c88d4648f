// Tropical cyclones, TECA-style: a sea-level-pressure minimum (lowest within a radius) equatorward of a latitude
// limit, with cyclonic 850 hPa vorticity nearby (sign by hemisphere), a pressure depth below its environment and,
// when 500 hPa temperature is given, a warm core. The labelled region grows from the centre over points whose
// pressure is within a fraction of the depth (or a number of hPa) of the minimum.
import Foundation

extension Labeller {
    static func labelCyclones(psl: [Float], u: [Float], v: [Float], t500: [Float]?, grid g: LatLonGrid,
                              options o: LabellerOptions, into mask: inout [Int8]) -> [LabelledEvent] {
        let (h, w) = (g.height, g.width)
        let vort = g.vorticity(u: u, v: v)
        var centres = [(i: Int, j: Int, p: Float)]()
        for i in 0..<h where abs(g.lat[i]) <= o.tcMaxLatitude {
            for j in 0..<w {
                let p = psl[i * w + j]
                guard p.isFinite else { continue }
                // Cheap 3x3 test first, then the full radius.
                if g.neighbours(i, j).contains(where: { psl[$0.0 * w + $0.1] < p }) { continue }
                var lowest = true
                g.forEach(within: o.tcMinimumRadius, of: i, j) { ii, jj, _ in
                    let q = psl[ii * w + jj]
                    // Ties go to the first point in scan order.
                    if q < p || (q == p && ii * w + jj < i * w + j) { lowest = false }
                }
                if lowest { centres.append((i, j, p)) }
            }
        }
        var events = [LabelledEvent]()
        for c in centres.sorted(by: { $0.p < $1.p }) {
            let hemisphere: Float = g.lat[c.i] >= 0 ? 1 : -1
            var maxVort = -Float.infinity
            g.forEach(within: o.tcMinimumRadius, of: c.i, c.j) { ii, jj, _ in
                let z = vort[ii * w + jj] * hemisphere
                if z.isFinite { maxVort = max(maxVort, z) }
            }
            guard Double(maxVort) >= o.tcVorticity else { continue }
            var envP = 0.0, envT = 0.0, envN = 0, envTN = 0, coreT = 0.0, coreN = 0
            g.forEach(within: o.tcEnvironmentOuter, of: c.i, c.j) { ii, jj, d in
                let k = ii * w + jj
                if d >= o.tcEnvironmentInner {
                    if psl[k].isFinite { envP += Double(psl[k]); envN += 1 }
                    if let t = t500, t[k].isFinite { envT += Double(t[k]); envTN += 1 }
                }
                if d <= o.tcCoreRadius, let t = t500, t[k].isFinite { coreT += Double(t[k]); coreN += 1 }
            }
            guard envN > 0 else { continue }
            let depth = (envP / Double(envN) - Double(c.p)) / 100   // hPa
            var warm: Double? = nil
            if t500 != nil, envTN > 0, coreN > 0 { warm = coreT / Double(coreN) - envT / Double(envTN) }
            if let warm {
                guard depth >= o.tcMinimumDepth, warm >= o.tcWarmCore else { continue }
            } else {
                guard depth >= o.tcDepthWithoutWarmCore else { continue }
            }
            // Region: flood fill from the centre over points below the limit, within the outer radius.
            let limit = Double(c.p) + 100 * (o.tcRegionHPa ?? o.tcRegionFraction * depth)
            var queue = [(c.i, c.j)], seen = Set([c.i * w + c.j])
            var head = 0
            while head < queue.count {
                let (i, j) = queue[head]; head += 1
                mask[i * w + j] = Int8(EventClass.tropicalCyclone.rawValue)
                for (ii, jj) in g.neighbours(i, j, connectivity: 4) where !seen.contains(ii * w + jj) {
                    let q = psl[ii * w + jj]
                    guard q.isFinite, Double(q) <= limit, g.distance(c.i, c.j, ii, jj) <= o.tcEnvironmentOuter else { continue }
                    seen.insert(ii * w + jj)
                    queue.append((ii, jj))
                }
            }
            var diag = ["min_psl_hpa": Double(c.p) / 100, "depth_hpa": depth, "vorticity_s-1": Double(maxVort * hemisphere),
                        "points": Double(queue.count)]
            if let warm { diag["warm_core_k"] = warm }
            events.append(LabelledEvent(eventClass: 1, lat: g.lat[c.i], lon: g.lon[c.j], diagnostics: diag))
        }
        return events
    }
}
