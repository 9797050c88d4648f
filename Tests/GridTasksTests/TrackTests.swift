// Tracking: candidates on constructed fields (a closed low is found where it is, a shallow one or one on the edge of
// a regional grid is not, a low on the Greenwich meridian of a global grid is; mask regions), stitching rules (gaps,
// thresholds that must hold for N points, minimum lifetime and path, crossing storms, a split, the dateline), GFDL,
// CSV and CF trajectory round trips, the scores of `evaluate track`, the jobs on a file with moving storms, and
// object tracks (the dateline, splits, merges, small and short-lived objects).
import Foundation
import Testing
import GridIO
@testable import GridTasks

/// A point at `step` (6-hourly) without values.
func trackPoint(_ step: Int, _ lat: Double, _ lon: Double) -> TrackPoint { TrackPoint(step: step, hours: 6 * Double(step), lat: lat, lon: lon) }

/// Stitches per-step candidate lists with `options` (lifetime filter off unless given).
func stitch(_ steps: [[TrackPoint]], _ configure: (inout StitchOptions) -> Void = { _ in }) -> [Track] {
    var o = StitchOptions()
    o.minLifetime = 0
    configure(&o)
    let s = TrackStitcher(options: o)
    for (k, c) in steps.enumerated() { s.add(c, step: k) }
    return s.finish()
}

@Suite struct TrackStitchTests {
    @Test func aGapWithinTheAllowedGapContinuesTheTrack() {
        let steps = [[trackPoint(0, 30, 200)], [trackPoint(1, 30, 202)], [], [trackPoint(3, 30, 206)], [trackPoint(4, 30, 208)]]
        let one = stitch(steps) { $0.maxGap = 1 }
        #expect(one.count == 1 && one.first?.points.map(\.step) == [0, 1, 3, 4])
        let split = stitch(steps) { $0.maxGap = 0 }
        #expect(split.map { $0.points.map(\.step) } == [[0, 1], [3, 4]])
        // The distance limit does not grow with the gap: a point 8 degrees on after a missed step starts a new track.
        let far = [[trackPoint(0, 30, 200)], [trackPoint(1, 30, 202)], [], [trackPoint(3, 30, 211.2)]]
        #expect(stitch(far) { $0.maxGap = 1; $0.maxDistance = 6 }.map(\.points.count) == [2, 1])
    }

    @Test func minimumLifetimeAndPathDropShortTracks() {
        let steps = (0..<4).map { [trackPoint($0, 40, 300 + 3 * Double($0))] }   // 18 h, about 6.9 degrees
        #expect(stitch(steps) { $0.minLifetime = 18 }.count == 1)
        #expect(stitch(steps) { $0.minLifetime = 24 }.isEmpty)
        #expect(stitch(steps) { $0.minPath = 6 }.count == 1)
        #expect(stitch(steps) { $0.minPath = 8 }.isEmpty)
    }

    @Test func thresholdsMustHoldForEnoughPoints() {
        var steps = (0..<4).map { [trackPoint($0, 15, 140)] }
        for k in 0..<4 { steps[k][0].wind = k < 2 ? 20 : 5 }
        #expect(stitch(steps) { $0.thresholds = [try! TrackThreshold(parsing: "wind,>=,10,2")] }.count == 1)
        #expect(stitch(steps) { $0.thresholds = [try! TrackThreshold(parsing: "wind,>=,10,3")] }.isEmpty)
        // Every threshold must hold; a point without the value does not count.
        #expect(stitch(steps) { $0.thresholds = [TrackThreshold(.wind, ">=", 10, count: 2), TrackThreshold(.absLat, "<=", 10, count: 1)] }.isEmpty)
        #expect(stitch(steps) { $0.thresholds = [TrackThreshold(.pressure, "<", 1000, count: 1)] }.isEmpty)
        #expect(throws: TaskError.self) { try TrackThreshold(parsing: "wind,=>,10,2") }
    }

    @Test func crossingStormsKeepTheirOwnPoints() {
        // A moves east along 20N, B west along 21N; after they pass, each last point is nearer the other's next one.
        let steps = (0..<6).map { s in [trackPoint(s, 20, 100 + 2 * Double(s)), trackPoint(s, 21, 110 - 2 * Double(s))] }
        let tracks = stitch(steps)
        #expect(tracks.count == 2)
        for t in tracks {
            #expect(t.points.count == 6)
            #expect(Set(t.points.map(\.lat)).count == 1)
        }
        #expect(tracks.contains { $0.points.map(\.lon) == [100, 102, 104, 106, 108, 110] })
    }

    @Test func aStormThatSplitsKeepsItsTrackAndStartsAnother() throws {
        var steps = (0..<3).map { [trackPoint($0, 30, 200 + 2 * Double($0))] }
        steps.append([trackPoint(3, 33, 207), trackPoint(3, 30, 206)])
        steps.append([trackPoint(4, 30, 208), trackPoint(4, 36, 208)])
        let tracks = stitch(steps)
        try #require(tracks.count == 2)
        #expect(tracks[0].points.map(\.lat) == [30, 30, 30, 30, 30])
        #expect(tracks[1].points.map(\.step) == [3, 4] && tracks[1].points.map(\.lat) == [33, 36])
    }

    @Test func aTrackCrossesTheDateline() {
        // 0-360 longitudes through 0 and -180..180 through 180: one track each, about 8 degrees of longitude long.
        for lons in [[356.0, 358, 0, 2, 4], [176.0, 178, 180, -178, -176]] {
            let tracks = stitch(lons.enumerated().map { [trackPoint($0.offset, 10, $0.element)] }) { $0.maxDistance = 3 }
            #expect(tracks.count == 1 && tracks.first?.points.count == 5)
            let expected: Double = 8 * cos(10 * Double.pi / 180), path: Double = tracks.first?.pathDegrees ?? 0
            #expect(abs(path - expected) < 0.05)
        }
    }
}

@Suite struct TrackCandidateTests {
    func find(_ f: DetectWeatherFixture, _ o: CandidateOptions = CandidateOptions()) -> [TrackPoint] {
        TrackCandidates.find(TrackFields(psl: f.psl, u: f.u, v: f.v, t: f.t500), grid: f.grid, options: o)
    }

    @Test func aClosedLowIsFoundWhereItIs() throws {
        var f = DetectWeatherFixture()
        #expect(find(f).isEmpty)
        f.addVortex(lat: 20, lon: 100, anticlockwise: true)
        let c = find(f)
        try #require(c.count == 1)
        #expect(abs(c[0].lat - 20) <= 1 && abs(c[0].lon - 100) <= 1)
        #expect(abs(c[0].pressure! - 983) < 1.5)
        #expect(c[0].wind! > 20 && c[0].vorticity! > 0 && c[0].warmCore! > 1)
    }

    @Test func aShallowLowHasNoClosedContour() {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 50, lon: 10, depth: 1.5, anticlockwise: true)
        #expect(find(f).isEmpty)
        var o = CandidateOptions()
        o.closedContourRise = 1
        #expect(find(f, o).count == 1)
    }

    @Test func tropicalThresholdsNeedAWarmCoreAndCyclonicWinds() {
        var cold = DetectWeatherFixture()
        cold.addVortex(lat: 15, lon: 140, anticlockwise: true, tAnomaly: 0)
        #expect(find(cold).count == 1)
        #expect(find(cold, TrackPreset.tropical.candidates).isEmpty)
        var anticyclonic = DetectWeatherFixture()
        anticyclonic.addVortex(lat: 15, lon: 140, anticlockwise: false)
        #expect(find(anticyclonic, TrackPreset.tropical.candidates).isEmpty)
        var warm = DetectWeatherFixture()
        warm.addVortex(lat: 15, lon: 140, anticlockwise: true)
        #expect(find(warm, TrackPreset.tropical.candidates).count == 1)
    }

    @Test func periodicLongitudeClosesTheContourAcrossGreenwich() throws {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 45, lon: 0, anticlockwise: true)
        let c = find(f)
        try #require(c.count == 1)
        #expect(c[0].lon == 0 || c[0].lon == 358)
    }

    @Test func maskRegionsGiveOneCandidateEachAtTheirLowestPressure() throws {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 20, lon: 100, anticlockwise: true)
        f.addVortex(lat: -25, lon: 250, anticlockwise: false)
        let g = f.grid
        var mask = [Int8](repeating: 0, count: f.psl.count)
        for i in 0..<g.height { for j in 0..<g.width {
            // Regions off-centre around both storms; the second painted as a river (class 2) is left out.
            if LatLonGrid.arc(21, 101, g.lat[i], g.lon[j]) < 4 { mask[i * g.width + j] = 1 }
            if LatLonGrid.arc(-25, 250, g.lat[i], g.lon[j]) < 4 { mask[i * g.width + j] = 2 }
        } }
        let c = TrackCandidates.find(TrackFields(psl: f.psl, u: f.u, v: f.v), mask: mask, eventClass: 1, grid: g, options: CandidateOptions())
        try #require(c.count == 1)
        #expect(abs(c[0].lat - 20) <= 1 && abs(c[0].lon - 100) <= 1)
        #expect(TrackCandidates.find(TrackFields(psl: f.psl), mask: mask, eventClass: 2, grid: g, options: CandidateOptions()).map(\.lat) == [g.lat[f.index(lat: -25, lon: 250) / g.width]])
    }

    @Test func aLowOnTheEdgeOfARegionalGridIsNotClosed() {
        let g = LatLonGrid(lat: stride(from: 0.0, through: 40, by: 2).map { $0 }, lon: stride(from: 100.0, through: 140, by: 2).map { $0 })
        var p = [Float](repeating: 101_300, count: g.height * g.width)
        for i in 0..<g.height { for j in 0..<g.width {
            for (lat, lon) in [(20.0, 140.0), (20.0, 116.0)] {
                p[i * g.width + j] -= 3000 * Float(exp(-pow(LatLonGrid.arc(lat, lon, g.lat[i], g.lon[j]) / 4.5, 2)))
            }
        } }
        let c = TrackCandidates.find(TrackFields(psl: p), grid: g, options: CandidateOptions())
        #expect(c.map(\.lon) == [116])
    }
}

@Suite struct TrackFileTests {
    func sampleTracks() -> [Track] {
        (1...2).map { id in
            Track(id: id, points: (0..<3).map { s in
                let date = CFDate(year: 1996, month: 1, day: 7 + id, hour: 6 * s)
                var p = TrackPoint(step: s, hours: TrackFiles.hours(of: date), date: date, lat: 30 + Double(s), lon: -80 + 2.5 * Double(s + id))
                p.row = s; p.column = s + id; p.pressure = 990 - Double(s); p.wind = s == 1 ? nil : 20 + Double(s)
                return p
            })
        }
    }

    func roundTrip(_ format: TrackFormat, _ ext: String) throws -> [Track] {
        let dir = try detectTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tracks.\(ext)").path
        try TrackFiles.write(sampleTracks(), as: format, output: OutputSettings(path: path, history: "test"), source: "test")
        return try TrackFiles.read(path)
    }

    @Test(arguments: [(TrackFormat.csv, "csv"), (.gfdl, "txt"), (.netcdf, "nc")])
    func tracksComeBackAsWritten(format: TrackFormat, ext: String) throws {
        let back = try roundTrip(format, ext)
        let want = sampleTracks()
        #expect(back.map(\.id) == want.map(\.id))
        for (a, b) in zip(back, want) {
            #expect(a.points.map(\.date) == b.points.map(\.date))
            #expect(a.points.map(\.hours) == b.points.map(\.hours))
            for (p, q) in zip(a.points, b.points) {
                #expect(abs(p.lat - q.lat) < 1e-4 && abs(p.lon - q.lon) < 1e-4)
                #expect(abs(p.pressure! - q.pressure!) < 1e-3)
                #expect((p.wind == nil) == (q.wind == nil))
            }
            #expect(a.points.map(\.step) == b.points.map(\.step))
            if format != .netcdf { #expect(a.points.map(\.row) == b.points.map(\.row) && a.points.map(\.column) == b.points.map(\.column)) }
        }
    }

    @Test func aTrajectoryFileIsCFDiscreteSampling() throws {
        let dir = try detectTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tracks.nc").path
        try TrackFiles.write(sampleTracks(), as: .netcdf, output: OutputSettings(path: path, history: "test"), source: "test")
        let f = try NetCDFFile(path: path)
        #expect(f.attribute("featureType")?.string == "trajectory")
        #expect(try f.variable("trajectory").text("cf_role") == "trajectory_id")
        #expect(try f.variable("rowSize").text("sample_dimension") == "obs")
        #expect(try f.readDoubles("rowSize") == [3, 3])
        #expect(try f.variable("time").text("units") == "hours since 1970-01-01 00:00:00")
        #expect(f.hasVariable("psl") && f.hasVariable("wind") && !f.hasVariable("vorticity"))   // only values some point has
        // No tracks still makes a readable file.
        let empty = dir.appendingPathComponent("empty.nc").path
        try TrackFiles.write([], as: .netcdf, output: OutputSettings(path: empty, history: "test"), source: "test")
        #expect(try TrackFiles.read(empty).isEmpty)
    }

    @Test func gfdlTextHasAStartLinePerTrack() throws {
        let text = String(decoding: try TrackFiles.encode(sampleTracks(), as: .gfdl), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines[0] == "start\t3\t1996\t1\t8\t0")
        // i (longitude index), j, lon, lat, pressure (Pa), wind, date.
        #expect(lines[1].split(separator: "\t").map(String.init) == ["1", "0", "-77.500000", "30.000000", "9.900000e+04", "2.000000e+01", "1996", "1", "8", "0"])
        var undated = sampleTracks()
        undated[0].points[0].date = nil
        #expect(throws: TaskError.self) { try TrackFiles.encode(undated, as: .gfdl) }
    }

    @Test func referenceCSVWithOtherColumnNamesIsRead() throws {
        let dir = try detectTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ref.csv").path
        try "SID,ISO_TIME,LAT,LON,PRES\nA,1996-01-08 00:00:00,35,-77.5,997\nA,1996-01-08 06:00:00,37.5,-75,99100\n".write(toFile: path, atomically: true, encoding: .utf8)
        let t = try TrackFiles.read(path)
        #expect(t.count == 1 && t[0].points.count == 2)
        #expect(t[0].points.map(\.pressure) == [997, 991])
        #expect(t[0].points[1].hours - t[0].points[0].hours == 6)
        try "track_id,lat\n1,30\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TaskError.self) { try TrackFiles.read(path) }
    }
}

@Suite struct TrackEvaluateTests {
    func line(_ id: Int, lat: Double, steps: Range<Int>) -> Track {
        Track(id: id, points: steps.map { trackPoint($0, lat, 100 + 2 * Double($0)) })
    }

    @Test func identicalTracksScorePerfectly() {
        let ref = [line(1, lat: 20, steps: 0..<6), line(2, lat: 40, steps: 2..<8)]
        let e = TrackEvaluating.score(ref, against: ref, matchDistance: 5, minShared: 2)
        #expect(e.probabilityOfDetection == 1 && e.falseAlarmRatio == 0)
        #expect(e.meanPositionErrorKm == 0 && e.meanLifetimeErrorHours == 0)
    }

    @Test func missesFalseAlarmsAndErrorsAreCounted() throws {
        let ref = [line(1, lat: 20, steps: 0..<6), line(2, lat: 40, steps: 2..<8)]
        // Track 1 one degree north of reference 1 and two steps shorter; track 2 matches nothing.
        let mine = [line(1, lat: 21, steps: 0..<4), line(2, lat: -30, steps: 0..<6)]
        let e = TrackEvaluating.score(mine, against: ref, matchDistance: 5, minShared: 2)
        #expect(e.matched == 1 && e.probabilityOfDetection == 0.5 && e.falseAlarmRatio == 0.5)
        #expect(abs(try #require(e.meanPositionErrorKm) - 111.2) < 1)
        #expect(e.meanLifetimeErrorHours == -12)
        #expect(e.matches.first.map { [$0.track, $0.reference] } == [1, 1])
    }
}

@Suite struct TrackJobTests {
    @Test func aMovingStormIsTrackedFromAFile() throws {
        let dir = try detectTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let frames = (0..<6).map { s -> DetectWeatherFixture in
            var f = DetectWeatherFixture()
            f.addVortex(lat: 30 + 2 * Double(s), lon: 300 + 3 * Double(s), anticlockwise: true)
            f.addVortex(lat: -40, lon: 60 - 4 * Double(s), anticlockwise: false)
            if s == 2 { f.addVortex(lat: 0, lon: 180, anticlockwise: true) }   // a one-step decoy
            return f
        }
        let input = dir.appendingPathComponent("in.nc").path, output = dir.appendingPathComponent("tracks.csv").path
        try frames[0].write(input, frames: frames)
        var r = TrackRequest(input: input, output: output)
        r.output.quiet = true
        r.figure = dir.appendingPathComponent("tracks.png").path
        let rep = try Tracking.run(r)
        #expect(try Data(contentsOf: URL(fileURLWithPath: r.figure!)).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // The density panel counts every track point once, in the cell it was found in.
        let density = TrackFigure.density(try TrackFiles.read(output), grid: frames[0].grid)
        #expect(density.reduce(0, +) == 12 && density.max() == 1)
        r.figure = nil
        #expect(rep.steps == 6 && rep.candidates == 13)
        #expect(rep.tracks.count == 2)
        let north = try #require(rep.tracks.first { $0.startLat > 0 })
        #expect(north.points == 6 && north.lifetimeHours == 30)
        #expect(abs(north.startLat - 30) <= 1 && abs(north.endLat - 40) <= 1)
        #expect(try TrackFiles.read(output).count == 2)
        #expect(throws: TaskError.self) { try Tracking.run(r) }   // exists, no --overwrite
        // Candidates from the labeller's mask (its rules are stricter, so it may keep fewer storms): the tracks it gives
        // follow PSL tracks, within 3 degrees at 5 or more shared times.
        let labels = dir.appendingPathComponent("labels.nc").path
        var l = LabelRequest(input: input, output: labels)
        l.output.quiet = true
        _ = try Labelling.run(l)
        var m = TrackRequest(input: input, output: dir.appendingPathComponent("mask.txt").path)
        m.mask = labels; m.output.quiet = true
        let fromMask = try Tracking.run(m)
        #expect(fromMask.candidateSource.hasPrefix(labels))
        let e = TrackEvaluating.score(try TrackFiles.read(m.output.path), against: try TrackFiles.read(output), matchDistance: 3, minShared: 5)
        #expect(e.tracks >= 1 && e.falseAlarmRatio == 0)
        // The labelled cyclone regions as objects: object_id on the grid, ids 1...n, the input's times.
        var o = ObjectTrackRequest(input: labels, output: dir.appendingPathComponent("objects.nc").path)
        o.eventClass = 1; o.output.quiet = true
        let objects = try ObjectTracking.run(o)
        #expect(!objects.objects.isEmpty && objects.objects.allSatisfy { $0.steps >= 2 })
        let ids = try NetCDFFile(path: o.output.path)
        #expect(try ids.read("object_id").scalars.max() == Float(objects.objects.count))
        #expect(try ids.readDoubles("time") == [0, 6, 12, 18, 24, 30])
        #expect(throws: TaskError.self) { try ObjectTracking.run(o) }   // exists, no --overwrite
        // A wind threshold without winds is refused, not silently passed.
        let calm = dir.appendingPathComponent("calm.nc").path
        try frames[0].write(calm, skip: [.u850, .v850], frames: frames)
        var winds = TrackRequest(input: calm, output: dir.appendingPathComponent("w.csv").path)
        winds.stitch.thresholds = [TrackThreshold(.wind, ">=", 10, count: 1)]; winds.output.quiet = true
        #expect(throws: TaskError.self) { try Tracking.run(winds) }
    }
}

@Suite struct ObjectTrackTests {
    let grid = LatLonGrid(lat: stride(from: -59.0, through: 59, by: 2).map { $0 }, lon: stride(from: 0.0, to: 360, by: 2).map { $0 })

    /// A mask with rectangles of rows `rows` and columns `cols` (columns wrap) set.
    func mask(_ boxes: [(rows: ClosedRange<Int>, cols: ClosedRange<Int>)]) -> [Bool] {
        var m = [Bool](repeating: false, count: grid.height * grid.width)
        for b in boxes { for i in b.rows { for j in b.cols { m[i * grid.width + (j + grid.width) % grid.width] = true } } }
        return m
    }

    func run(_ steps: [[Bool]], _ configure: (inout ObjectTrackOptions) -> Void = { _ in }) -> (ObjectTracker, [[Int32]]) {
        var o = ObjectTrackOptions()
        configure(&o)
        let t = ObjectTracker(options: o)
        return (t, steps.enumerated().map { t.add($0.element, grid: grid, step: $0.offset) })
    }

    @Test func aMovingBlobKeepsItsIdAcrossTheDateline() {
        // 6 columns wide, moving 3 columns a step from columns 170...175 across the wrap (step 3 straddles it).
        let (t, labels) = run((0..<5).map { s in mask([(20...25, (170 + 3 * s)...(175 + 3 * s))]) })
        #expect(t.objects.count == 1 && t.objects[1]?.steps == 5)
        #expect(labels[4][22 * grid.width + 2] == 1)   // column 182 wrapped to 2, still object 1
    }

    @Test func aSplitKeepsTheIdOnTheLargerPart() throws {
        let (t, labels) = run([mask([(10...20, 40...60)]), mask([(10...20, 40...52), (10...20, 56...60)])])
        #expect(t.objects.count == 2)
        #expect(labels[1][15 * grid.width + 45] == 1 && labels[1][15 * grid.width + 58] == 2)
        #expect(try #require(t.objects[2]).splitFrom == 1)
    }

    @Test func aMergeContinuesTheLargerOverlap() throws {
        let (t, labels) = run([mask([(10...20, 40...52), (10...20, 56...60)]), mask([(10...20, 40...60)])])
        #expect(labels[1][15 * grid.width + 58] == 1)
        #expect(try #require(t.objects[1]).mergedFrom == [2])
        #expect(t.objects[2]?.lastStep == 0)
    }

    @Test func smallAndShortLivedObjectsAreDropped() {
        let (t, _) = run([mask([(10...20, 40...50), (40...40, 100...101)]), mask([(10...20, 41...51), (30...35, 120...125)])]) { $0.minPoints = 4; $0.minSteps = 2 }
        // The 2-point blob is no object; the one-step blob at step 1 is an object but not kept.
        #expect(t.objects.count == 2)
        #expect(t.kept() == [1: 1])
    }
}
