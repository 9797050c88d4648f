// gridcnn track / evaluate track: cyclones followed through time, written as GFDL text or CSV, and scored against
// reference tracks.
import ArgumentParser
import Foundation
import GridTasks

/// Candidate and stitching thresholds; each unset one keeps the preset's value.
struct TrackThresholdFlags: ParsableArguments {
    @Option(help: "Thresholds preset: tropical or extratropical.") var preset = "extratropical"
    @Option(help: "A centre is the lowest PSL within this distance, degrees (default 6).") var mergeDistance: Double?
    @Option(help: "Closed contour RISE,DISTANCE: PSL rises by RISE hPa within DISTANCE degrees (default 2,6; tropical 2,5.5).") var closedContour: String?
    @Option(help: "Centres only within this latitude of the equator, degrees (tropical 40; extratropical: anywhere).") var maxLat: Double?
    @Option(help: "Cyclonic vorticity of the winds within --search-radius at least this, s-1 (tropical 3.5e-5; 0: off).") var minVorticity: Double?
    @Option(help: "Warm core: temperature within --core-radius above the 6-8 degree annulus by this, K (tropical 1; 0: off).") var minWarmCore: Double?
    @Option(help: "Radius for the maximum wind and the vorticity, degrees (default 3).") var searchRadius: Double?
    @Option(help: "Largest distance between consecutive points (also across a gap), degrees (extratropical 6, tropical 8).") var maxDistance: Double?
    @Option(help: "Steps a track may miss (extratropical 1, tropical 4).") var maxGap: Int?
    @Option(help: "Shortest lifetime kept, hours (extratropical 24, tropical 54).") var minLifetime: Double?
    @Option(help: "Shortest path kept, degrees of great-circle arc (extratropical 6, tropical 0).") var minPath: Double?
    @Option(help: "FIELD,OP,VALUE,COUNT: COUNT points of a track must have FIELD OP VALUE; FIELD lat, abs_lat, pressure (hPa), wind (m s-1), vorticity (s-1), warm_core (K); repeatable; 'none' clears the preset's (tropical: wind,>=,10,4).") var threshold: [String] = []

    func apply(to r: inout TrackRequest) throws {
        guard let p = TrackPreset(rawValue: preset) else { throw TaskError("--preset must be tropical or extratropical, not '\(preset)'") }
        var c = p.candidates, s = p.stitch
        if let x = mergeDistance { c.mergeDistance = x }
        if let text = closedContour {
            let v = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 2 else { throw TaskError("--closed-contour takes RISE,DISTANCE (hPa, degrees), e.g. 2,6; got '\(text)'") }
            c.closedContourRise = v[0]; c.closedContourDistance = v[1]
        }
        if let x = maxLat { c.maxLatitude = x }
        if let x = minVorticity { c.minVorticity = x == 0 ? nil : x }
        if let x = minWarmCore { c.minWarmCore = x == 0 ? nil : x }
        if let x = searchRadius { c.searchRadius = x }
        if let x = maxDistance { s.maxDistance = x }
        if let x = maxGap { s.maxGap = x }
        if let x = minLifetime { s.minLifetime = x }
        if let x = minPath { s.minPath = x }
        if !threshold.isEmpty { s.thresholds = try threshold.filter { $0 != "none" }.map(TrackThreshold.init(parsing:)) }
        r.candidates = c; r.stitch = s
    }
}

func trackFormat(_ text: String?) throws -> TrackFormat? {
    try text.map { t in
        guard let f = TrackFormat(rawValue: t.lowercased()) else { throw TaskError("--format must be csv, gfdl or netcdf, not '\(t)'") }
        return f
    }
}

struct TrackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track", abstract: "Follow cyclones through time: PSL minima with a closed contour, stitched into tracks (GFDL text, CSV or CF NetCDF).",
        discussion: """
        Streams the time steps. Candidates: sea-level-pressure minima (lowest within --merge-distance) whose pressure \
        rises by RISE hPa within DISTANCE degrees all around (--closed-contour), optionally with cyclonic vorticity \
        and a warm core. Stitching: each track takes the candidate nearest its extrapolated position within \
        --max-distance degrees of its last point, assigned globally; tracks may miss --max-gap steps and are kept when they \
        live --min-lifetime hours and travel --min-path degrees. Output: TempestExtremes' GFDL text (.txt), CSV \
        (.csv) or a CF trajectory NetCDF (.nc). Winds and temperature may come from other files on the same grid as FILE:VAR. With --mask, candidates \
        are the regions of a detection or label mask instead (at their lowest PSL).

        Examples:
          gridcnn track --input era5.nc --psl msl --u u850 --v v850 --t t500 --preset tropical --output tc.txt
          gridcnn track --input Pstorm.cdf --psl p --u Ustorm.cdf:u --v Vstorm.cdf:v \\
            --time-units 'hours since 1996-01-05 00:00' --output blizzard.csv
        """)

    @Option(help: "Input NetCDF with sea-level pressure on a lat/lon grid.") var input: String
    @Option(help: "Track file format: csv, gfdl or netcdf (CF trajectories; default: by the output's extension).") var format: String?
    @Option(help: "Sea-level pressure variable (Pa or hPa).") var psl: String?
    @Option(name: .customLong("u"), help: "Eastward wind: VAR in the input or FILE:VAR.") var u: String?
    @Option(name: .customLong("v"), help: "Northward wind: VAR in the input or FILE:VAR.") var v: String?
    @Option(name: .customLong("t"), help: "Temperature for the warm core (500 hPa): VAR or FILE:VAR.") var t: String?
    @Option(help: "CF units of a time axis without them, e.g. 'hours since 1996-01-05 00:00'.") var timeUnits: String?
    @Option(help: "Hours per step when the time axis has no units.") var stepHours = 6.0
    @Option(help: "Candidates from a class mask FILE[:VAR] (gridcnn detect / label) instead of PSL minima: one per region, at its lowest PSL.") var mask: String?
    @Option(help: "The mask class to track (1 tropical cyclone).") var maskClass: Int8 = 1
    @Option(help: "PNG of the tracks over the time-mean PSL, beside the track density (points per grid cell).") var figure: String?
    @OptionGroup var thresholds: TrackThresholdFlags
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = TrackRequest(input: input, output: out.output)
            r.format = try trackFormat(format)
            r.names = DetectVariableNames(psl: psl, u850: u, v850: v, t500: t)
            r.timeUnits = timeUnits; r.stepHours = stepHours; r.mask = mask; r.maskClass = maskClass; r.figure = figure
            try thresholds.apply(to: &r)
            out.apply(to: &r.output)
            let rep = try Tracking.run(r)
            if out.json { try printJSON(rep) } else {
                print(String(format: "tracked %d step(s) of %dx%d: %d candidate(s), %d track(s) -> %@ (%@) in %.1f s", rep.steps, rep.grid[0], rep.grid[1],
                             rep.candidates, rep.tracks.count, rep.output, rep.format.rawValue, rep.seconds))
                for s in rep.tracks {
                    print(String(format: "  track %d: %d points, %@ (%.1f, %.1f) to %@ (%.1f, %.1f), %.0f h, %.0f km at %.0f km/h", s.id, s.points,
                                 s.start ?? "-", s.startLat, s.startLon, s.end ?? "-", s.endLat, s.endLon, s.lifetimeHours, s.distanceKm, s.meanSpeedKmh)
                          + (s.minPressureHpa.map { String(format: ", min %.1f hPa", $0) } ?? "") + (s.maxWindMs.map { String(format: ", max wind %.1f m/s", $0) } ?? ""))
                }
            }
        }
    }
}

struct EvaluateTrackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track", abstract: "Score tracks against reference tracks: probability of detection, false-alarm ratio, position and lifetime error.",
        discussion: """
        Either file may be GFDL text, CSV or a CF trajectory NetCDF (by extension, or --format / --reference-format). Tracks match when at \
        least --min-shared of their shared times lie within --match-distance degrees; each track matches at most once.

        Example:
          gridcnn evaluate track --tracks mine.csv --reference ibtracs.csv --json
        """)

    @Option(help: "Tracks to score.") var tracks: String
    @Option(help: "Reference tracks.") var reference: String
    @Option(help: "Format of --tracks: csv, gfdl or netcdf.") var format: String?
    @Option(help: "Format of --reference: csv, gfdl or netcdf.") var referenceFormat: String?
    @Option(help: "Points at one time match within this distance, degrees.") var matchDistance = 5.0
    @Option(help: "Close shared times a pair needs.") var minShared = 2
    @Option(help: "Hours per step for CSV files without dates.") var stepHours = 6.0
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        try runJob {
            runOptions.apply()
            var r = TrackEvaluateRequest(tracks: tracks, reference: reference)
            r.format = try trackFormat(format); r.referenceFormat = try trackFormat(referenceFormat)
            r.matchDistance = matchDistance; r.minShared = minShared; r.stepHours = stepHours
            let e = try TrackEvaluating.run(r)
            if json { try printJSON(e) } else { print(TrackEvaluating.table(e)) }
        }
    }
}

struct TrackObjectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track-objects", abstract: "Follow the regions of a class mask (rivers, blobs) through time by overlap: object_id NetCDF.",
        discussion: """
        Connected regions of --class in each step (longitude periodic on global grids) are linked to the previous \
        step's objects they overlap by --min-overlap of the smaller; a split keeps the id on its largest part, a merge \
        continues the largest overlap; both are recorded. Objects present in fewer than --min-steps steps are dropped.

        Example:
          gridcnn label --input datasets/weather/weather_test.nc --output labels.nc
          gridcnn track-objects --input labels.nc --class 2 --output rivers.nc --table rivers.csv
        """)

    @Option(help: "Class mask FILE or FILE:VAR (gridcnn label / detect output).") var input: String
    @Option(name: .customLong("class"), help: "The class to follow (1 tropical cyclone, 2 atmospheric river).") var eventClass: Int8 = 2
    @Option(help: "Smallest object, grid points.") var minPoints = 4
    @Option(help: "Shared points / points of the smaller region, to link two regions.") var minOverlap = 0.25
    @Option(help: "Fewest steps an object must be present in.") var minSteps = 2
    @Option(help: "Connectivity of regions: 4 or 8.") var connectivity = 8
    @Option(help: "Also write the objects as CSV.") var table: String?
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = ObjectTrackRequest(input: input, output: out.output)
            r.eventClass = eventClass; r.table = table
            r.options.minPoints = minPoints; r.options.minOverlap = minOverlap; r.options.minSteps = minSteps; r.options.connectivity = connectivity
            out.apply(to: &r.output)
            let rep = try ObjectTracking.run(r)
            if out.json { try printJSON(rep) } else {
                print(String(format: "tracked class %d in %d step(s) of %dx%d: %d object(s), %d split(s), %d merge(s) -> %@ in %.1f s", Int(eventClass),
                             rep.steps, rep.grid[0], rep.grid[1], rep.objects.count, rep.splits, rep.merges, rep.output, rep.seconds))
            }
        }
    }
}
