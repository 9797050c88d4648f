// Bringing an input latitude-longitude grid onto a model's conventions and spacing, and a result back: latitude put
// in the model's order, longitudes wrapped to its convention (0..360 or -180..180), and, when the spacing differs,
// the fields resampled bilinearly (by coordinate, wrapping on global grids, NaN-aware) onto a grid of the model's
// spacing over the input's extent. Class masks go back to the input grid by nearest neighbour. Reordering and
// wrapping alone are exact permutations (the bilinear weights are 0 and 1).
import Foundation

struct GridAdaptation: Sendable {
    let input: LatLonGrid
    /// The grid the model runs on.
    let model: LatLonGrid
    /// What was changed, one sentence each (empty: the model runs on the input grid as it is).
    let notes: [String]
    /// Per model row / column: the two input rows / columns and the weight of the second.
    let rowTaps: [(Int, Int, Float)]
    let colTaps: [(Int, Int, Float)]
    /// Per input row / column: the nearest model row / column.
    let backRows: [Int]
    let backCols: [Int]

    /// The model grid is the input grid (nothing to do).
    var isIdentity: Bool { model.lat == input.lat && model.lon == input.lon }

    /// An input coarser than this many times the model's spacing is refused: the events it learned are then only a
    /// few points across and interpolation cannot bring them back.
    static let maximumCoarsening = 3.0
    /// Spacings within this fraction of the model's are used as they are.
    static let spacingTolerance = 0.1

    /// Plans the adaptation of `input` to a model trained on `contract` (order and convention; nil keeps the
    /// input's) with grid spacing `spacing` degrees (nil, or `regrid` false: keep the input's spacing).
    static func plan(input: LatLonGrid, contract: ContractGrid?, spacing: Double?, regrid: Bool = true) throws -> GridAdaptation {
        var notes = [String]()
        let inputAscending = input.lat.last! >= input.lat.first!
        let ascending = contract.map { $0.latitudeOrder == .ascending } ?? inputAscending
        let convention = contract?.longitudeConvention ?? (input.lon.contains { $0 < 0 } ? .centred180 : .east360)
        let inputSpacing = input.meanLatitudeSpacing
        var step: Double?
        if regrid, let d = spacing, d > 0, inputSpacing > 0 {
            let ratio = inputSpacing / d
            if ratio > maximumCoarsening {
                throw TaskError(String(format: "input grid spacing %.3g deg is %.1f times the model's %.3g deg: too coarse to resolve what the model learned (at most %.0fx; --native runs it anyway)",
                                       inputSpacing, ratio, d, maximumCoarsening))
            }
            if abs(ratio - 1) > spacingTolerance { step = d }
        }
        // Latitudes: the input's, or an even grid of the model's spacing over the input's extent; in the model's order.
        var lat: [Double]
        let (lo, hi) = (input.lat.min()!, input.lat.max()!)
        if let d = step {
            let n = max(3, Int(((hi - lo) / d).rounded()) + 1)
            lat = (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
        } else {
            lat = input.lat.sorted()
        }
        if !ascending { lat.reverse() }
        if ascending != inputAscending { notes.append("latitude reversed to the model's \(ascending ? "ascending" : "descending") order") }
        // Longitudes: wrapped to the model's convention.
        func wrap(_ x: Double) -> Double {
            var v = x.truncatingRemainder(dividingBy: 360)
            if v < 0 { v += 360 }
            if convention == .centred180 && v >= 180 { v -= 360 }
            return v
        }
        let wrapped = input.lon.map(wrap)
        var lon: [Double]
        var convertLongitude = true
        if input.periodic {
            if let d = step {
                let n = max(3, Int((360 / d).rounded()))
                let start = wrapped.min()!
                lon = (0..<n).map { wrap(start + 360 * Double($0) / Double(n)) }.sorted()
            } else {
                lon = wrapped.sorted()
            }
        } else {
            // A region: only when it stays monotonic in the model's convention (it does not cross the seam).
            let increasing = zip(wrapped, wrapped.dropFirst()).allSatisfy { $0 < $1 }
            convertLongitude = increasing
            let base = increasing ? wrapped : input.lon
            if let d = step {
                let (a, b) = (base.min()!, base.max()!)
                let n = max(3, Int(((b - a) / d).rounded()) + 1)
                lon = (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
            } else {
                lon = base.sorted()
            }
        }
        if convertLongitude && zip(input.lon, wrapped).contains(where: { abs($0 - $1) > 1e-9 }) {
            notes.append("longitude wrapped to the model's \(convention.rawValue) convention")
        } else if !convertLongitude {
            notes.append("the region crosses the model's \(convention.rawValue) longitude seam: kept the input's longitudes")
        }
        if let d = step {
            notes.append(String(format: "regridded from %.3g to the model's %.3g deg (bilinear, %dx%d -> %dx%d); the mask is mapped back to the input grid (nearest)",
                                inputSpacing, d, input.height, input.width, lat.count, lon.count))
        }
        let model = LatLonGrid(lat: lat, lon: lon)
        if notes.isEmpty && !(lat == input.lat && lon == input.lon) { notes.append("rows and columns sorted by latitude and longitude") }
        return GridAdaptation(input: input, model: model, notes: notes,
                              rowTaps: lat.map { rowTap($0, input.lat) }, colTaps: lon.map { colTap($0, input) },
                              backRows: input.lat.map { a in lat.indices.min { abs(lat[$0] - a) < abs(lat[$1] - a) }! },
                              backCols: input.lon.map { a in
                                  lon.indices.min { abs(LatLonGrid.lonDifference(lon[$0], a)) < abs(LatLonGrid.lonDifference(lon[$1], a)) }!
                              })
    }

    /// The two input rows around latitude `t` and the weight of the second (clamped beyond the ends).
    static func rowTap(_ t: Double, _ lat: [Double]) -> (Int, Int, Float) {
        let order = lat.indices.sorted { lat[$0] < lat[$1] }
        let v = order.map { lat[$0] }
        if t <= v[0] { return (order[0], order[0], 0) }
        if t >= v[v.count - 1] { return (order[v.count - 1], order[v.count - 1], 0) }
        var k = 0
        while v[k + 1] < t { k += 1 }
        let w = (t - v[k]) / (v[k + 1] - v[k])
        return (order[k], order[k + 1], Float(w))
    }

    /// The two input columns around longitude `t` (by eastward offset from the first column; wrapping when the
    /// input is global, clamped otherwise).
    static func colTap(_ t: Double, _ g: LatLonGrid) -> (Int, Int, Float) {
        func offset(_ x: Double) -> Double { var d = (x - g.lon[0]).truncatingRemainder(dividingBy: 360); if d < 0 { d += 360 }; return d }
        let order = g.lon.indices.sorted { offset(g.lon[$0]) < offset(g.lon[$1]) }
        let v = order.map { offset(g.lon[$0]) }
        var o = offset(t)
        let n = v.count
        if o >= v[n - 1] {
            guard g.periodic else {
                // Beyond the east end, or west of the start (a large offset): the nearer end.
                return o - v[n - 1] < 360 - o ? (order[n - 1], order[n - 1], 0) : (order[0], order[0], 0)
            }
            if o == v[n - 1] { return (order[n - 1], order[n - 1], 0) }
            let w = (o - v[n - 1]) / (360 - v[n - 1])
            return (order[n - 1], order[0], Float(w))
        }
        o = max(o, v[0])
        var k = 0
        while v[k + 1] <= o && k + 1 < n - 1 { k += 1 }
        if v[k + 1] <= o { return (order[k + 1], order[k + 1], 0) }
        let w = (o - v[k]) / (v[k + 1] - v[k])
        return (order[k], order[k + 1], Float(w))
    }

    /// A field on the input grid (row-major) resampled onto the model grid; NaNs do not spread (their weight goes
    /// to the valid neighbours; NaN only where all four are missing).
    func toModel(_ f: [Float]) -> [Float] {
        if isIdentity { return f }
        let w = input.width
        var out = [Float](repeating: .nan, count: model.height * model.width)
        for (i, (r0, r1, wr)) in rowTaps.enumerated() {
            for (j, (c0, c1, wc)) in colTaps.enumerated() {
                let corners = [(r0, c0, (1 - wr) * (1 - wc)), (r0, c1, (1 - wr) * wc), (r1, c0, wr * (1 - wc)), (r1, c1, wr * wc)]
                var s: Float = 0, ws: Float = 0
                for (r, c, k) in corners where k > 0 {
                    let v = f[r * w + c]
                    if v.isFinite { s += k * v; ws += k }
                }
                if ws > 0 { out[i * model.width + j] = s / ws }
            }
        }
        return out
    }

    /// A class mask on the model grid brought back to the input grid (nearest neighbour).
    func toInput(_ m: [Int8]) -> [Int8] {
        if isIdentity { return m }
        var out = [Int8](repeating: 0, count: input.height * input.width)
        for (i, r) in backRows.enumerated() { for (j, c) in backCols.enumerated() { out[i * input.width + j] = m[r * model.width + c] } }
        return out
    }
}
