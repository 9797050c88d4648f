// `gridcnn evaluate track`: tracks scored against reference tracks (any track format). A pair of tracks can match
// when, at enough shared times, their points lie within a great-circle distance of each other; pairs are taken
// globally, most close shared times first, then smallest mean distance, each track at most once. Reported: the
// probability of detection (matched reference tracks / reference tracks), the false-alarm ratio (unmatched tracks
// / tracks), the mean position error over the matched close points, and the lifetime error.
import Foundation

/// What `gridcnn evaluate track` needs: a track file, reference tracks and the matching rule.
public struct TrackEvaluateRequest {
    /// The tracks to score (CSV, GFDL text or CF trajectory NetCDF).
    public var tracks: String
    /// The reference tracks (same formats; IBTrACS-style CSV columns lat/lon/iso_time/sid are accepted).
    public var reference: String
    /// Format of `tracks`; nil: by extension.
    public var format: TrackFormat?
    /// Format of `reference`; nil: by extension.
    public var referenceFormat: TrackFormat?
    /// Points at the same time within this distance are close (degrees of great-circle arc).
    public var matchDistance = 5.0
    /// A pair matches with at least this many close shared times.
    public var minShared = 2
    /// Hours per step for CSV files without dates.
    public var stepHours = 6.0
    /// A request matching within 5 degrees at 2 or more shared times, 6-hour steps for undated CSV.
    public init(tracks: String, reference: String) { self.tracks = tracks; self.reference = reference }
}

/// A matched pair of tracks.
public struct TrackMatch: Codable, Equatable, Sendable {
    /// Id of the scored track.
    public var track: Int
    /// Id of the reference track it matched.
    public var reference: Int
    /// Shared times at which the two are within the match distance.
    public var sharedPoints: Int
    /// Mean great-circle distance over those close shared points (km).
    public var meanErrorKm: Double
    /// Track lifetime minus reference lifetime (hours).
    public var lifetimeErrorHours: Double
}

/// The scores of `TrackEvaluating.run` (printed as a table or, with `--json`, under the property names).
public struct TrackEvaluation: Codable, Equatable, Sendable {
    /// Tracks scored.
    public var tracks: Int
    /// Reference tracks.
    public var referenceTracks: Int
    /// Matched pairs (each track and reference track at most once).
    public var matched: Int
    /// Matched reference tracks / reference tracks.
    public var probabilityOfDetection: Double
    /// Unmatched tracks / tracks.
    public var falseAlarmRatio: Double
    /// Mean great-circle distance over every close shared point of the matched pairs (km).
    public var meanPositionErrorKm: Double?
    /// Mean of (track lifetime - reference lifetime) and of its absolute value over matched pairs (hours).
    public var meanLifetimeErrorHours: Double?
    /// Mean of |track lifetime - reference lifetime| over matched pairs (hours).
    public var meanAbsoluteLifetimeErrorHours: Double?
    /// Every matched pair.
    public var matches: [TrackMatch]
}

/// `gridcnn evaluate track`: tracks scored against reference tracks. Pairs are taken globally, most close shared times
/// first, then smallest mean distance.
public enum TrackEvaluating {
    /// Reads both files and scores them. Prints nothing.
    /// - Throws: `TaskError` for a non-positive match distance or minShared below 1, or a track file that cannot be read.
    public static func run(_ r: TrackEvaluateRequest) throws -> TrackEvaluation {
        guard r.matchDistance > 0, r.minShared >= 1 else { throw TaskError("--match-distance must be positive (degrees) and --min-shared at least 1") }
        let mine = try TrackFiles.read(r.tracks, format: r.format, stepHours: r.stepHours)
        let reference = try TrackFiles.read(r.reference, format: r.referenceFormat, stepHours: r.stepHours)
        return score(mine, against: reference, matchDistance: r.matchDistance, minShared: r.minShared)
    }

    static func score(_ mine: [Track], against reference: [Track], matchDistance: Double, minShared: Int) -> TrackEvaluation {
        var candidates = [(close: Int, error: Double, a: Int, b: Int)]()
        for (a, t) in mine.enumerated() {
            for (b, u) in reference.enumerated() {
                let d = closeDistances(t, u, within: matchDistance)
                if d.count >= minShared { candidates.append((d.count, d.reduce(0, +) / Double(d.count), a, b)) }
            }
        }
        candidates.sort { ($1.close, $0.error, $0.a, $0.b) < ($0.close, $1.error, $1.a, $1.b) }
        var usedA = Set<Int>(), usedB = Set<Int>(), matches = [TrackMatch](), errors = [Double]()
        for c in candidates where !usedA.contains(c.a) && !usedB.contains(c.b) {
            usedA.insert(c.a); usedB.insert(c.b)
            let (t, u) = (mine[c.a], reference[c.b])
            let life = (t.points.last!.hours - t.points[0].hours) - (u.points.last!.hours - u.points[0].hours)
            let d = closeDistances(t, u, within: matchDistance).map { $0 * .pi / 180 * earthRadiusKm }
            errors += d
            matches.append(TrackMatch(track: t.id, reference: u.id, sharedPoints: c.close, meanErrorKm: d.reduce(0, +) / Double(d.count), lifetimeErrorHours: life))
        }
        matches.sort { $0.reference < $1.reference }
        let lifetimes = matches.map(\.lifetimeErrorHours)
        func mean(_ x: [Double]) -> Double? { x.isEmpty ? nil : x.reduce(0, +) / Double(x.count) }
        return TrackEvaluation(tracks: mine.count, referenceTracks: reference.count, matched: matches.count,
                               probabilityOfDetection: reference.isEmpty ? 0 : Double(matches.count) / Double(reference.count),
                               falseAlarmRatio: mine.isEmpty ? 0 : Double(mine.count - matches.count) / Double(mine.count),
                               meanPositionErrorKm: mean(errors), meanLifetimeErrorHours: mean(lifetimes),
                               meanAbsoluteLifetimeErrorHours: mean(lifetimes.map(abs)), matches: matches)
    }

    /// Distances (degrees) at the times both tracks have (within half an hour), kept where within `within`.
    static func closeDistances(_ t: Track, _ u: Track, within: Double) -> [Double] {
        var out = [Double]()
        for p in t.points {
            guard let q = u.points.first(where: { abs($0.hours - p.hours) < 0.5 }) else { continue }
            let d = LatLonGrid.arc(p.lat, p.lon, q.lat, q.lon)
            if d <= within { out.append(d) }
        }
        return out
    }

    /// The report as text.
    public static func table(_ e: TrackEvaluation) -> String {
        var lines = [String(format: "%d track(s) against %d reference track(s): %d matched; probability of detection %.3f, false-alarm ratio %.3f",
                            e.tracks, e.referenceTracks, e.matched, e.probabilityOfDetection, e.falseAlarmRatio)]
        if let p = e.meanPositionErrorKm, let l = e.meanLifetimeErrorHours, let a = e.meanAbsoluteLifetimeErrorHours {
            lines.append(String(format: "mean position error %.1f km; lifetime error %+.1f h (mean absolute %.1f h)", p, l, a))
        }
        for m in e.matches {
            lines.append(String(format: "  track %d ~ reference %d: %d close shared points, mean error %.1f km, lifetime error %+.1f h",
                                m.track, m.reference, m.sharedPoints, m.meanErrorKm, m.lifetimeErrorHours))
        }
        return lines.joined(separator: "\n")
    }
}
