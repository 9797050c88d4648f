// Track files other tools read: TempestExtremes' GFDL-style text (a `start COUNT YYYY MM DD HH` line per track,
// then `i j lon lat values... YYYY MM DD HH` per point, pressure in Pa) and CSV with a header, one row per point.
// In both, as TempestExtremes writes them, i is the longitude (column) index and j the latitude (row) index. Both are read back too, with the usual column names of
// other tools (IBTrACS-style lat/lon/iso_time/sid) accepted for reference tracks.
import Foundation
import GridIO

/// The track file formats `gridcnn track` writes and `gridcnn evaluate track` reads: `csv` (a header, one row per
/// point), `gfdl` (TempestExtremes' GFDL-style text, pressure in Pa) and `netcdf` (CF trajectories).
public enum TrackFormat: String, Codable, CaseIterable, Sendable {
    case csv, gfdl, netcdf

    /// The format a path's extension implies: .csv, .txt / .dat / .gfdl for GFDL text, .nc for a CF trajectory file.
    static func of(_ path: String) throws -> TrackFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "txt", "dat", "gfdl": return .gfdl
        case "nc", "nc4": return .netcdf
        default: throw TaskError("\(path): say which track format with --format csv|gfdl|netcdf (the extension .csv, .txt or .nc decides otherwise)")
        }
    }
}

enum TrackFiles {
    static let csvHeader = "track_id,time,step,lat,lon,i,j,pressure_hpa,wind_ms,vorticity_s-1,warm_core_k"
    /// The axis of `TrackPoint.hours` for dated points.
    static let hourAxis = try! CFTimeUnits("hours since 1970-01-01 00:00:00")

    static func hours(of date: CFDate) -> Double { hourAxis.value(of: date) }

    /// Writes tracks atomically in `format` (NetCDF with the output's provenance).
    static func write(_ tracks: [Track], as format: TrackFormat, output o: OutputSettings, source: String) throws {
        if format == .netcdf {
            try TrackTrajectoryFile.write(tracks, to: o.path, overwrite: o.overwrite, history: o.history,
                                          attributes: [NCAttribute("source", .text("gridcnn \(o.version) cyclone tracks of \(source)")),
                                                       NCAttribute("gridcnn_version", .text(o.version))])
        } else {
            try writeFileAtomically(try encode(tracks, as: format), to: o.path, overwrite: o.overwrite)
        }
    }

    /// GFDL text or CSV.
    static func encode(_ tracks: [Track], as format: TrackFormat) throws -> Data {
        func value(_ x: Double?, _ f: String) -> String { x.map { String(format: f, $0) } ?? "" }
        var lines = [String]()
        switch format {
        case .csv:
            lines.append(csvHeader)
            for t in tracks { for p in t.points {
                lines.append([String(t.id), p.date?.iso8601 ?? "", String(p.step), String(format: "%.4f", p.lat), String(format: "%.4f", p.lon),
                              String(p.column), String(p.row), value(p.pressure, "%.2f"), value(p.wind, "%.2f"), value(p.vorticity, "%.4e"),
                              value(p.warmCore, "%.3f")].joined(separator: ","))
            } }
        case .netcdf: throw TaskError("a CF trajectory file is written with TrackFiles.write")
        case .gfdl:
            let all = tracks.flatMap(\.points)
            guard all.allSatisfy({ $0.date != nil }) else {
                throw TaskError("GFDL track files need a date per point; the input has no time units (give --time-units)")
            }
            let hasPressure = all.contains { $0.pressure != nil }, hasWind = all.contains { $0.wind != nil }
            func stamp(_ d: CFDate) -> String { "\(d.year)\t\(d.month)\t\(d.day)\t\(d.hour)" }
            for t in tracks {
                lines.append("start\t\(t.points.count)\t" + stamp(t.points[0].date!))
                for p in t.points {
                    var f = ["", String(p.column), String(p.row), String(format: "%.6f", p.lon), String(format: "%.6f", p.lat)]
                    if hasPressure { f.append(p.pressure.map { String(format: "%.6e", $0 * 100) } ?? "nan") }
                    if hasWind { f.append(p.wind.map { String(format: "%.6e", $0) } ?? "nan") }
                    lines.append(f.joined(separator: "\t") + "\t" + stamp(p.date!))
                }
            }
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Reads tracks; points without a date get `step x stepHours` hours.
    static func read(_ path: String, format: TrackFormat? = nil, stepHours: Double = 6) throws -> [Track] {
        let format = try format ?? TrackFormat.of(path)
        if format == .netcdf { return try TrackTrajectoryFile.read(path) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TaskError("\(path): cannot read the track file (\((error as NSError).localizedDescription))")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return format == .csv ? try readCSV(lines, path: path, stepHours: stepHours) : try readGFDL(lines, path: path)
    }

    /// Pressure in hPa from a value in hPa or Pa (by magnitude).
    static func hPa(_ x: Double?) -> Double? { x.map { $0 > 2000 ? $0 / 100 : $0 } }

    static func readGFDL(_ lines: [String], path: String) throws -> [Track] {
        var tracks = [Track](), k = 0
        while k < lines.count {
            let head = lines[k].split(whereSeparator: \.isWhitespace)
            guard head.first == "start", head.count >= 2, let n = Int(head[1]), n > 0 else {
                throw TaskError("\(path): line \(k + 1): expected 'start COUNT YYYY MM DD HH', got '\(lines[k])'")
            }
            guard k + n < lines.count else { throw TaskError("\(path): the track at line \(k + 1) promises \(n) points; the file ends first") }
            var points = [TrackPoint]()
            for line in lines[(k + 1)...(k + n)] {
                let f = line.split(whereSeparator: \.isWhitespace).map(String.init)
                let nums = f.map { Double($0) }
                guard f.count >= 8, nums.allSatisfy({ $0 != nil }), let y = Int(f[f.count - 4]), let mo = Int(f[f.count - 3]),
                      let d = Int(f[f.count - 2]), let h = Int(f[f.count - 1]) else {
                    throw TaskError("\(path): '\(line)' is not a GFDL point line (i j lon lat values... YYYY MM DD HH)")
                }
                let date = CFDate(year: y, month: mo, day: d, hour: h)
                var p = TrackPoint(step: points.count, hours: hours(of: date), date: date, lat: nums[3]!, lon: nums[2]!)
                p.column = Int(nums[0]!); p.row = Int(nums[1]!)
                let values = nums[4..<(f.count - 4)].map { $0! }
                if values.count >= 1, values[0].isFinite { p.pressure = hPa(values[0]) }
                if values.count >= 2, values[1].isFinite { p.wind = values[1] }
                points.append(p)
            }
            tracks.append(Track(id: tracks.count + 1, points: points))
            k += n + 1
        }
        return tracks
    }

    static func readCSV(_ lines: [String], path: String, stepHours: Double) throws -> [Track] {
        guard let header = lines.first else { throw TaskError("\(path): empty track file") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased() }
        func column(_ options: [String]) -> Int? { options.lazy.compactMap { names.firstIndex(of: $0) }.first }
        guard let idC = column(["track_id", "sid", "storm_id", "id"]), let latC = column(["lat", "latitude"]), let lonC = column(["lon", "longitude"]) else {
            throw TaskError("\(path): a track CSV needs track_id, lat and lon columns (header: \(header))")
        }
        let timeC = column(["time", "iso_time", "date", "datetime"]), stepC = column(["step"])
        guard timeC != nil || stepC != nil else { throw TaskError("\(path): a track CSV needs a time or step column (header: \(header))") }
        let pC = column(["pressure_hpa", "pressure", "psl", "slp", "msl", "pres"]), wC = column(["wind_ms", "wind"])
        let iC = column(["i"]), jC = column(["j"]), vC = column(["vorticity_s-1", "vorticity"]), tC = column(["warm_core_k", "warm_core"])
        var order = [String](), byID = [String: [TrackPoint]]()
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            func num(_ c: Int?) -> Double? { c.flatMap { $0 < f.count ? Double(f[$0]) : nil } }
            guard f.count == names.count, let lat = num(latC), let lon = num(lonC), abs(lat) <= 90 else {
                throw TaskError("\(path): line \(n + 2): expected \(names.count) fields with a latitude and longitude, got '\(line)'")
            }
            let date = timeC.flatMap { f[$0].isEmpty ? nil : (try? CFTimeUnits("hours since " + f[$0]))?.reference }
            if let c = timeC, !f[c].isEmpty, date == nil { throw TaskError("\(path): line \(n + 2): '\(f[c])' is not a date (YYYY-MM-DD HH:MM:SS)") }
            let step = num(stepC).map { Int($0) }
            guard date != nil || step != nil else { throw TaskError("\(path): line \(n + 2): no time or step") }
            var p = TrackPoint(step: step ?? 0, hours: date.map(hours(of:)) ?? Double(step!) * stepHours, date: date, lat: lat, lon: lon)
            p.column = num(iC).map { Int($0) } ?? -1; p.row = num(jC).map { Int($0) } ?? -1
            p.pressure = hPa(num(pC)); p.wind = num(wC); p.vorticity = num(vC); p.warmCore = num(tC)
            let id = f[idC]
            if byID[id] == nil { order.append(id) }
            byID[id, default: []].append(p)
        }
        return order.enumerated().map { n, id in
            var points = byID[id]!
            if stepC == nil { for k in points.indices { points[k].step = k } }
            return Track(id: Int(id) ?? n + 1, points: points.sorted { $0.hours < $1.hours })
        }
    }
}
