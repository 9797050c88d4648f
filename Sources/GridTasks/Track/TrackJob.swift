// `gridcnn track`: cyclone tracks from a file of time steps, streamed (one step of fields in memory, candidates and
// open tracks only): candidates per step, stitched into tracks, written as GFDL text or CSV, with per-track
// statistics. Winds and temperature may come from other files on the same grid (FILE:VAR), as NCL's storm samples
// keep each variable in its own file.
import Foundation
import GridIO
import GridTrain

/// Tropical cyclones (TempestExtremes' Zarzycki & Ullrich 2017 settings, with a T500 warm core) or
/// extratropical cyclones (no latitude band, no warm core).
public enum TrackPreset: String, Codable, CaseIterable, Sendable {
    case tropical, extratropical

    /// The preset's candidate thresholds: tropical adds closed-contour distance 5.5 degrees, |lat| <= 40, vorticity
    /// 3.5e-5 s-1 and a 1 K warm core.
    public var candidates: CandidateOptions {
        var o = CandidateOptions()
        if self == .tropical { o.closedContourDistance = 5.5; o.maxLatitude = 40; o.minWarmCore = 1; o.minVorticity = 3.5e-5 }
        return o
    }

    /// The preset's stitching: tropical 8 degrees, gaps of 4 steps, 54 h lifetime, wind >= 10 m s-1 at 4 points;
    /// extratropical 6 degrees, gaps of 1 step, 24 h lifetime, a path of at least 6 degrees.
    public var stitch: StitchOptions {
        var o = StitchOptions()
        switch self {
        case .tropical: o.maxDistance = 8; o.maxGap = 4; o.minLifetime = 54; o.thresholds = [TrackThreshold(.wind, ">=", 10, count: 4)]
        case .extratropical: o.maxDistance = 6; o.maxGap = 1; o.minLifetime = 24; o.minPath = 6
        }
        return o
    }
}

/// What `gridcnn track` needs: a file of sea-level pressure (and optionally winds and temperature), where to write the
/// tracks, and the candidate and stitching thresholds.
public struct TrackRequest {
    /// A NetCDF file with sea-level pressure on a 1-D latitude/longitude grid and a time axis (streamed step by step).
    public var input: String
    /// Where the tracks go.
    public var output: OutputSettings
    /// Track file format; nil: by the output's extension (.csv, .txt/.dat/.gfdl, .nc).
    public var format: TrackFormat?
    /// PSL in the input (nil: the usual names); winds and temperature as VAR in the input or FILE:VAR.
    public var names = DetectVariableNames()
    /// Candidate search thresholds (default: the extratropical preset).
    public var candidates = TrackPreset.extratropical.candidates
    /// Stitching thresholds (default: the extratropical preset).
    public var stitch = TrackPreset.extratropical.stitch
    /// CF units for a time axis that has none, e.g. "hours since 1996-01-05 00:00".
    public var timeUnits: String?
    /// Hours per step when the time axis has no units.
    public var stepHours = 6.0
    /// Candidates from a class mask FILE[:VAR] on the input's grid (one per region of `maskClass`) instead of PSL minima.
    public var mask: String?
    /// The mask value whose regions give candidates (default 1, tropical cyclones).
    public var maskClass: Int8 = 1
    /// PNG of the tracks over the time-mean PSL, beside the track density.
    public var figure: String?
    /// A request with the extratropical preset, 6-hour steps, format by extension, writing to `output` without replacing
    /// an existing file (history "gridcnn track").
    public init(input: String, output: String) { self.input = input; self.output = OutputSettings(path: output, history: "gridcnn track") }
}

/// Per-track statistics.
public struct TrackSummary: Codable, Equatable, Sendable {
    /// The track's id in the track file.
    public var id: Int
    /// Points (time steps with a position).
    public var points: Int
    /// ISO 8601 time of the first point (nil without dates).
    public var start: String?
    /// ISO 8601 time of the last point.
    public var end: String?
    /// First and last positions (degrees north, degrees east).
    public var startLat: Double, startLon: Double, endLat: Double, endLon: Double
    /// Hours from the first to the last point.
    public var lifetimeHours: Double
    /// Great-circle path length over consecutive points (km).
    public var distanceKm: Double
    /// `distanceKm / lifetimeHours` (km h-1; 0 for a zero lifetime).
    public var meanSpeedKmh: Double
    /// Lowest central sea-level pressure along the track (hPa).
    public var minPressureHpa: Double?
    /// Highest wind speed near the centre along the track (m s-1).
    public var maxWindMs: Double?

    init(_ t: Track) {
        let (a, b) = (t.points[0], t.points.last!)
        id = t.id; points = t.points.count; start = a.date?.iso8601; end = b.date?.iso8601
        startLat = a.lat; startLon = a.lon; endLat = b.lat; endLon = b.lon
        lifetimeHours = b.hours - a.hours
        distanceKm = t.pathDegrees * .pi / 180 * earthRadiusKm
        meanSpeedKmh = lifetimeHours > 0 ? distanceKm / lifetimeHours : 0
        minPressureHpa = t.points.compactMap(\.pressure).min()
        maxWindMs = t.points.compactMap(\.wind).max()
    }
}

/// What `Tracking.run` did (printed with `--json` under the property names).
public struct TrackReport: Codable {
    /// Time steps read.
    public var steps: Int
    /// [rows, columns] of the grid.
    public var grid: [Int]
    /// The variable used for each role (FieldRole names: psl, u850, v850, t500).
    public var variables: [String: String]
    /// Where candidates came from: "psl minima" or the class mask "FILE[:VAR] class N".
    public var candidateSource: String
    /// Candidates found over all steps.
    public var candidates: Int
    /// The kept tracks.
    public var tracks: [TrackSummary]
    /// The format written.
    public var format: TrackFormat
    /// The track file written.
    public var output: String
    /// The figure written, when asked for.
    public var figure: String?
    /// Wall-clock seconds of the whole job.
    public var seconds: Double
}

/// `gridcnn track`: cyclone tracks (TempestExtremes' DetectNodes and StitchNodes) from a file of time steps.
public enum Tracking {
    /// Streams the input one step at a time (fields, candidates and open tracks only in memory), finds candidates per step
    /// (closed pressure minima, or regions of a class mask), stitches them into tracks and writes the kept tracks
    /// atomically in `format`, and the figure when asked for. Prints progress unless quiet.
    /// - Throws: `TaskError` for bad thresholds, an existing output without `overwrite`, missing variables, fields or a
    ///   mask on another grid or with another step count, a `--threshold` on winds or temperature the input lacks,
    ///   `timeUnits` for a file without time values, or an unknown format.
    public static func run(_ r: TrackRequest) throws -> TrackReport {
        let started = Date()
        try r.candidates.validate(); try r.stitch.validate()
        let format = try r.format ?? TrackFormat.of(r.output.path)
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it")
        }
        let input = try TrackInput(r)
        if !r.output.quiet {
            for n in input.notes { writeStderr("track: \(n)\n") }
            if r.candidates.minWarmCore != nil && input.names[.t500] == nil { writeStderr("track: no temperature (--t): the warm core is not checked\n") }
            if r.candidates.minVorticity != nil && (input.names[.u850] == nil || input.names[.v850] == nil) { writeStderr("track: no winds (--u, --v): the vorticity is not checked\n") }
        }
        for c in r.stitch.thresholds {
            let missing = [TrackThreshold.Field.wind: [FieldRole.u850, .v850], .vorticity: [.u850, .v850], .warmCore: [.t500]][c.field]?.contains { input.names[$0] == nil } ?? false
            if missing { throw TaskError("\(r.input): --threshold on \(c.field.rawValue) needs \(c.field == .warmCore ? "the temperature (--t)" : "the winds (--u and --v)")") }
        }
        let stitcher = TrackStitcher(options: r.stitch)
        var count = 0
        // Running PSL sum and valid count per cell, for the figure's time mean.
        var sum = [Double](), valid = [Int]()
        if r.figure != nil { sum = [Double](repeating: 0, count: input.grid.height * input.grid.width); valid = [Int](repeating: 0, count: sum.count) }
        let progress = ProgressReporter("track", total: input.steps, quiet: r.output.quiet)
        // Under MPI the ranks find candidates in every N-th step; the first rank stitches them all in step order, so
        // tracks cross the ranks' steps as they cross any others.
        let group = r.output.group
        try RankedSteps(group).run(steps: input.steps, compute: { i in
            try input.seek(to: i)
            guard let step = try input.next() else { throw TaskError("\(r.input): step \(i) could not be read") }
            let found = step.mask.map { TrackCandidates.find(step.fields, mask: $0, eventClass: r.maskClass, grid: input.grid, options: r.candidates) }
                ?? TrackCandidates.find(step.fields, grid: input.grid, options: r.candidates)
            return CodablePayload(CandidateStep(step: step.fields.step, candidates: found, psl: r.figure == nil ? nil : step.fields.psl))
        }, consume: { _, payload in
            let s = payload.value
            count += s.candidates.count
            if let psl = s.psl { for (k, p) in psl.enumerated() where p.isFinite { sum[k] += Double(p); valid[k] += 1 } }
            stitcher.add(s.candidates, step: s.step)
            progress.update(s.step + 1)
        })
        guard group.isRoot else {   // the first rank writes and reports
            return TrackReport(steps: input.steps, grid: [input.grid.height, input.grid.width], variables: [:], candidateSource: "", candidates: 0, tracks: [], format: format,
                               output: r.output.path, figure: nil, seconds: 0)
        }
        let tracks = stitcher.finish()
        try TrackFiles.write(tracks, as: format, output: r.output, source: r.input)
        if let fig = r.figure {
            let mean = zip(sum, valid).map { $1 > 0 ? Float($0 / Double($1)) : .nan }
            try TrackFigure.write(fig, tracks: tracks, meanPSL: mean, grid: input.grid, steps: input.steps)
        }
        return TrackReport(steps: input.steps, grid: [input.grid.height, input.grid.width],
                           variables: Dictionary(uniqueKeysWithValues: input.names.map { ($0.key.rawValue, $0.value) }),
                           candidateSource: r.mask.map { "\($0) class \(r.maskClass)" } ?? "psl minima", candidates: count, tracks: tracks.map(TrackSummary.init), format: format, output: r.output.path, figure: r.figure,
                           seconds: Date().timeIntervalSince(started))
    }
}

/// The fields tracking reads, from the input and from other files on its grid, one step at a time.
final class TrackInput {
    struct Step { var fields: TrackFields; var mask: [Int8]? }
    let grid: LatLonGrid
    let steps: Int
    /// "VAR" or "FILE:VAR" per role present.
    private(set) var names = [FieldRole: String]()
    private(set) var notes = [String]()
    private var sources = [DetectInput]()
    private var mask: MaskReader?
    private let timeAxis: CFTimeUnits?
    private let stepHours: Double

    init(_ r: TrackRequest) throws {
        var inInput = DetectVariableNames(psl: r.names.psl)
        var elsewhere = [(String, FieldRole, String)]()
        for role in [FieldRole.u850, .v850, .t500] {
            guard let spec = r.names[role] else { continue }
            let (path, variable) = FieldLoader.splitSpec(spec)
            if let variable { elsewhere.append((path, role, variable)) } else { inInput[role] = spec }
        }
        let optional = Set([FieldRole.u850, .v850, .t500]).subtracting(elsewhere.map(\.1))
        let main = try DetectInput(path: r.input, names: inInput, required: [.psl], optional: optional)
        sources = [main]
        for (path, role, variable) in elsewhere {
            var n = DetectVariableNames()
            n[role] = variable
            let s = try DetectInput(path: path, names: n, required: [role], optional: [])
            guard s.grid == main.grid else { throw TaskError("\(path): '\(variable)' is on another grid than \(r.input)'s pressure (\(s.grid.height)x\(s.grid.width) vs \(main.grid.height)x\(main.grid.width))") }
            guard s.steps == main.steps else { throw TaskError("\(path): '\(variable)' has \(s.steps) time steps but \(r.input) has \(main.steps)") }
            sources.append(s)
            names[role] = "\(path):\(variable)"
        }
        for (role, name) in main.names { names[role] = name }
        notes = sources.flatMap(\.notes)
        grid = main.grid; steps = main.steps; stepHours = r.stepHours
        if let spec = r.mask {
            let m = try MaskFile.open(spec, grid: grid)
            guard m.steps == steps else { throw TaskError("\(m.path): '\(m.name)' has \(m.steps) time steps but \(r.input) has \(steps)") }
            mask = m
        }
        if let units = r.timeUnits {
            guard main.times != nil else { throw TaskError("\(r.input): --time-units given but the file has no time coordinate values") }
            timeAxis = try CFTimeUnits(units)
        } else { timeAxis = nil }
    }

    func seek(to step: Int) throws {
        for s in sources { try s.seek(to: step) }
        try mask?.seek(to: step)
    }

    func next() throws -> Step? {
        var fields = [FieldRole: [Float]]()
        var first: DetectStep?
        for s in sources {
            guard let step = try s.next() else { return nil }
            fields.merge(step.fields) { a, _ in a }
            first = first ?? step
        }
        guard let main = first else { return nil }
        let date = timeAxis.flatMap { axis in main.time.flatMap(axis.date) } ?? main.date
        let f = TrackFields(psl: fields[.psl]!, u: fields[.u850], v: fields[.v850], t: fields[.t500], step: main.index,
                            hours: date.map(TrackFiles.hours(of:)) ?? Double(main.index) * stepHours, date: date)
        return Step(fields: f, mask: try mask?.next())
    }
}

/// One step's candidates as they travel from the rank that found them to the one that stitches.
struct CandidateStep: Codable {
    var step: Int
    var candidates: [TrackPoint]
    /// Sea-level pressure for the figure's time mean, when a figure is asked for.
    var psl: [Float]?
}
