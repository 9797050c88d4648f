// Atmospheric rivers (Ralph et al. 2004 geometry): connected regions of high column water vapour, poleward of a
// latitude, longer than 2000 km along their main axis and narrower than 1000 km. "High" is an absolute threshold
// and an anomaly over the time step's zonal median (optionally also a zonal percentile), so that the moist tropics
// and subtropical bands do not merge into one region. Length is the great-circle distance between the region's two
// mutually farthest points (GridRegion, Common/GridRegion.swift); width is area / length.
import Foundation

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
