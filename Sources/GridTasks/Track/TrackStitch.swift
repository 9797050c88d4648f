// Stitching candidates into tracks, step by step (only the open tracks are kept, so a multi-year input streams):
// every open track may take one candidate of the new step within a great-circle distance of its last point
// (one distance whatever the steps since it was last seen, up to the allowed gap, as TempestExtremes' --range:
// a limit that grew with the gap would let a track jump to short-lived decoys far away). Pairs are assigned
// globally, cheapest first, where the cost is the distance to the track's position extrapolated from its last two
// points: crossing storms keep their own points and one storm cannot steal another's. A candidate left over starts
// a track. Closed tracks are kept when they live long enough, travel far enough and meet the wind threshold for
// enough steps.
import Foundation

struct Track: Codable, Equatable, Sendable {
    var id: Int
    var points: [TrackPoint]
    init(id: Int, points: [TrackPoint]) { self.id = id; self.points = points }
}

/// Thresholds of stitching candidates into tracks (TempestExtremes' StitchNodes); every one is a command-line option.
public struct StitchOptions: Codable, Equatable, Sendable {
    /// Largest great-circle distance between consecutive points, also across a gap (degrees).
    public var maxDistance = 6.0
    /// Steps a track may go without a candidate and still continue.
    public var maxGap = 1
    /// Shortest lifetime kept, first to last point (hours).
    public var minLifetime = 24.0
    /// Shortest path kept, summed over consecutive points (degrees of great-circle arc).
    public var minPath = 0.0
    /// Conditions that enough points of a kept track must meet (TempestExtremes' --threshold).
    public var thresholds = [TrackThreshold]()

    /// Distance 6 degrees, gap 1 step, lifetime 24 h, no path or point thresholds (`TrackPreset` holds the presets).
    public init() {}

    /// Checks distances, gap, lifetime and path are not negative and every threshold needs at least one point.
    /// - Throws: `TaskError` naming the offending option.
    public func validate() throws {
        func need(_ ok: Bool, _ what: String) throws { if !ok { throw TaskError("track option \(what)") } }
        try need(maxDistance > 0, "--max-distance must be positive (degrees)")
        try need(maxGap >= 0, "--max-gap must be 0 or more steps")
        try need(minLifetime >= 0 && minPath >= 0, "--min-lifetime (hours) and --min-path (degrees) must be 0 or more")
        try need(thresholds.allSatisfy { $0.count >= 1 }, "--threshold needs a count of at least 1 point")
    }
}

final class TrackStitcher {
    let options: StitchOptions
    private var openTracks = [Track]()
    private var closed = [Track]()
    private var nextID = 1
    /// Tracks that may still continue.
    var openCount: Int { openTracks.count }

    init(options: StitchOptions) { self.options = options }

    /// Adds the candidates of step `step` (steps must come in increasing order).
    func add(_ candidates: [TrackPoint], step: Int) {
        // Tracks last seen too long ago can no longer continue.
        let (stale, live) = (openTracks.filter { step - $0.points.last!.step > options.maxGap + 1 }, openTracks.filter { step - $0.points.last!.step <= options.maxGap + 1 })
        closed += stale
        openTracks = live
        var pairs = [(cost: Double, track: Int, candidate: Int)]()
        for (t, track) in openTracks.enumerated() {
            let last = track.points.last!
            let predicted = TrackStitcher.extrapolate(track.points, to: step)
            for (c, p) in candidates.enumerated() where LatLonGrid.arc(last.lat, last.lon, p.lat, p.lon) <= options.maxDistance {
                pairs.append((LatLonGrid.arc(predicted.lat, predicted.lon, p.lat, p.lon), t, c))
            }
        }
        pairs.sort { ($0.cost, $0.track, $0.candidate) < ($1.cost, $1.track, $1.candidate) }
        var trackTaken = Set<Int>(), candidateTaken = Set<Int>()
        for pair in pairs where !trackTaken.contains(pair.track) && !candidateTaken.contains(pair.candidate) {
            trackTaken.insert(pair.track); candidateTaken.insert(pair.candidate)
            openTracks[pair.track].points.append(candidates[pair.candidate])
        }
        for (c, p) in candidates.enumerated() where !candidateTaken.contains(c) {
            openTracks.append(Track(id: nextID, points: [p]))
            nextID += 1
        }
    }

    /// Closes every track and returns those that pass the filters, numbered 1, 2, ... in order of their start.
    func finish() -> [Track] {
        closed += openTracks
        openTracks = []
        let kept = closed.filter(keeps).sorted { ($0.points[0].step, $0.id) < ($1.points[0].step, $1.id) }
        closed = []
        return kept.enumerated().map { Track(id: $0.offset + 1, points: $0.element.points) }
    }

    func keeps(_ t: Track) -> Bool {
        guard t.points.last!.hours - t.points[0].hours >= options.minLifetime - 1e-9, t.pathDegrees >= options.minPath - 1e-9 else { return false }
        return options.thresholds.allSatisfy { c in t.points.filter(c.holds).count >= c.count }
    }

    /// Where a track would be at `step` moving on as between its last two points (its last point when it has one).
    static func extrapolate(_ points: [TrackPoint], to step: Int) -> (lat: Double, lon: Double) {
        let last = points.last!
        guard points.count >= 2 else { return (last.lat, last.lon) }
        let prev = points[points.count - 2]
        let f = Double(step - last.step) / Double(max(last.step - prev.step, 1))
        let lat = min(max(last.lat + f * (last.lat - prev.lat), -90), 90)
        return (lat, last.lon + f * LatLonGrid.lonDifference(last.lon, prev.lon))
    }
}

extension Track {
    /// Summed great-circle distance between consecutive points (degrees of arc).
    var pathDegrees: Double {
        zip(points, points.dropFirst()).reduce(0) { $0 + LatLonGrid.arc($1.0.lat, $1.0.lon, $1.1.lat, $1.1.lon) }
    }
}

/// "FIELD,OP,VALUE,COUNT": at least COUNT points with FIELD OP VALUE, e.g. "wind,>=,10,4" (m s-1) or
/// "abs_lat,<=,40,4" (degrees); fields lat, abs_lat, pressure (hPa), wind (m s-1), vorticity (s-1), warm_core (K).
public struct TrackThreshold: Codable, Equatable, Sendable {
    /// The point value a threshold tests (`abs_lat` and `warm_core` in files and on the command line).
    public enum Field: String, Codable, CaseIterable, Sendable { case lat, absLat = "abs_lat", pressure, wind, vorticity, warmCore = "warm_core" }
    /// The value tested.
    public var field: Field
    /// The comparison: ">=", "<=", ">" or "<".
    public var op: String
    /// The value compared with, in the field's units.
    public var value: Double
    /// Points of the track that must meet it.
    public var count: Int

    init(_ field: Field, _ op: String, _ value: Double, count: Int) { self.field = field; self.op = op; self.value = value; self.count = count }

    /// Parses "FIELD,OP,VALUE,COUNT" as the `--threshold` option gives it.
    /// - Throws: `TaskError` for another number of parts, an unknown field or operator, or a value or count that is no number.
    public init(parsing text: String) throws {
        let f = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard f.count == 4, let field = Field(rawValue: f[0]), [">=", "<=", ">", "<"].contains(f[1]), let v = Double(f[2]), let n = Int(f[3]) else {
            throw TaskError("--threshold takes FIELD,OP,VALUE,COUNT with FIELD one of \(Field.allCases.map(\.rawValue).joined(separator: ", ")) and OP >=, <=, > or <, e.g. wind,>=,10,4; got '\(text)'")
        }
        self.init(field, f[1], v, count: n)
    }

    /// Whether a point meets it (a point without the value does not).
    func holds(_ p: TrackPoint) -> Bool {
        let x: Double?
        switch field {
        case .lat: x = p.lat
        case .absLat: x = abs(p.lat)
        case .pressure: x = p.pressure
        case .wind: x = p.wind
        case .vorticity: x = p.vorticity
        case .warmCore: x = p.warmCore
        }
        guard let x else { return false }
        switch op {
        case ">=": return x >= value
        case "<=": return x <= value
        case ">": return x > value
        default: return x < value
        }
    }
}
