// Tracks as a CF discrete-sampling-geometry file (CF 1.8 section 9, featureType = "trajectory"): a contiguous
// ragged array, one `trajectory` per track with its `rowSize` points along `obs`, and time, lat, lon and the
// storm's values per point. xarray, netCDF4-python and CF checkers read it as trajectories. Read back too.
import Foundation
import GridTensor
import GridIO

enum TrackTrajectoryFile {
    static let values: [(name: String, units: String, standardName: String?, longName: String, get: (TrackPoint) -> Double?)] = [
        ("psl", "hPa", "air_pressure_at_mean_sea_level", "central sea-level pressure", { $0.pressure }),
        ("wind", "m s-1", "wind_speed", "maximum wind speed near the centre", { $0.wind }),
        ("vorticity", "s-1", "atmosphere_relative_vorticity", "relative vorticity near the centre", { $0.vorticity }),
        ("warm_core", "K", nil, "warm-core temperature anomaly", { $0.warmCore }),
    ]

    static func write(_ tracks: [Track], to path: String, overwrite: Bool, history: String, attributes: [NCAttribute] = []) throws {
        let points = tracks.flatMap(\.points)
        guard points.allSatisfy({ $0.date != nil }) else {
            throw TaskError("CF trajectory files need a date per point; the input has no time units (give --time-units)")
        }
        let w = try NetCDFWriter(path: path, overwrite: overwrite, history: history,
                                 attributes: [NCAttribute("featureType", .text("trajectory"))] + attributes)
        // No tracks: unlimited (empty) dimensions, as a fixed dimension cannot have length 0.
        try w.defineDimension("trajectory", length: tracks.isEmpty ? nil : tracks.count)
        try w.defineDimension("obs", length: points.isEmpty ? nil : points.count)
        func define(_ name: String, _ dim: String, _ type: NCType, units: String? = nil, standardName: String? = nil, longName: String,
                    extra: [NCAttribute] = [], fill: Bool = true) throws {
            var d = NCVariableDefinition(name: name, dimensions: [dim], type: type, units: units, longName: longName, standardName: standardName, attributes: extra)
            if !fill { d.fillValue = nil }
            d.chunkSizes = [max(dim == "obs" ? points.count : tracks.count, 1)]
            try w.defineVariable(d)
        }
        try define("trajectory", "trajectory", .int, longName: "track number", extra: [NCAttribute("cf_role", .text("trajectory_id"))], fill: false)
        try define("rowSize", "trajectory", .int, longName: "number of points of the track", extra: [NCAttribute("sample_dimension", .text("obs"))], fill: false)
        try define("time", "obs", .double, units: "hours since 1970-01-01 00:00:00", standardName: "time", longName: "time", fill: false)
        try define("lat", "obs", .double, units: "degrees_north", standardName: "latitude", longName: "latitude of the centre", fill: false)
        try define("lon", "obs", .double, units: "degrees_east", standardName: "longitude", longName: "longitude of the centre", fill: false)
        try define("step", "obs", .int, longName: "time step index in the input", fill: false)
        let present = values.filter { v in points.contains { v.get($0) != nil } }
        for v in present {
            try define(v.name, "obs", .float, units: v.units, standardName: v.standardName, longName: v.longName,
                       extra: [NCAttribute("coordinates", .text("time lat lon"))])
        }
        guard !tracks.isEmpty else { return try w.finish() }
        try w.write("trajectory", doubles: tracks.map { Double($0.id) })
        try w.write("rowSize", doubles: tracks.map { Double($0.points.count) })
        try w.write("time", doubles: points.map { TrackFiles.hours(of: $0.date!) })
        try w.write("lat", doubles: points.map(\.lat))
        try w.write("lon", doubles: points.map(\.lon))
        try w.write("step", doubles: points.map { Double($0.step) })
        for v in present { try w.write(v.name, doubles: points.map { v.get($0) ?? .nan }) }
        try w.finish()
    }

    static func read(_ path: String) throws -> [Track] {
        let f = try NetCDFFile(path: path)
        guard f.attribute("featureType")?.string?.lowercased() == "trajectory", f.hasVariable("rowSize") else {
            throw TaskError("\(path): not a CF trajectory file (featureType = \"trajectory\" with a contiguous ragged array and rowSize)")
        }
        let sizes = try f.readDoubles("rowSize").map { Int($0) }
        let ids = f.hasVariable("trajectory") ? try f.readDoubles("trajectory").map { Int($0) } : Array(1...max(sizes.count, 1))
        let (lat, lon) = (try f.readDoubles("lat"), try f.readDoubles("lon"))
        let axis = try CFTimeUnits(try f.variable("time").text("units") ?? "hours since 1970-01-01", calendar: try f.variable("time").text("calendar"))
        let time = try f.readDoubles("time")
        let steps = f.hasVariable("step") ? try f.readDoubles("step") : nil
        var columns = [String: [Double]]()
        for v in values where f.hasVariable(v.name) { columns[v.name] = try f.readDoubles(v.name) }
        guard sizes.reduce(0, +) <= lat.count, lat.count == lon.count, time.count == lat.count else {
            throw TaskError("\(path): rowSize adds up to \(sizes.reduce(0, +)) points but lat/lon/time hold \(lat.count)/\(lon.count)/\(time.count)")
        }
        var start = 0
        return zip(ids, sizes).map { id, n in
            let points = (start..<(start + n)).map { k -> TrackPoint in
                let date = axis.date(time[k])
                var p = TrackPoint(step: steps.map { Int($0[k]) } ?? k - start, hours: date.map(TrackFiles.hours(of:)) ?? time[k], date: date, lat: lat[k], lon: lon[k])
                func value(_ name: String) -> Double? { columns[name].flatMap { $0[k].isFinite ? $0[k] : nil } }
                p.pressure = value("psl"); p.wind = value("wind"); p.vorticity = value("vorticity"); p.warmCore = value("warm_core")
                return p
            }
            start += n
            return Track(id: id, points: points)
        }
    }
}
