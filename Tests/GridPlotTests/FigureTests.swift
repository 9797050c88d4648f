// Figures through Cairo: files are decodable PNGs (or SVG/PDF) of the laid-out size, coastlines land where the
// land is on a map of the North Sea whichever way the grid is stored, ticks are round, bad paths and missing
// fonts or coastline files are one-line errors.
import CCairo
import Foundation
import XCTest
@testable import GridPlot
import GridIO

final class FigureTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A decoded PNG: size and 0xRRGGBB pixels.
    struct Decoded {
        let width: Int, height: Int, pixels: [UInt32]
        func at(_ x: Int, _ y: Int) -> UInt32 { pixels[y * width + x] & 0xFFFFFF }
    }

    func decode(_ path: String) throws -> Decoded {
        let s = try XCTUnwrap(cairo_image_surface_create_from_png(path))
        defer { cairo_surface_destroy(s) }
        XCTAssertEqual(cairo_surface_status(s), CAIRO_STATUS_SUCCESS, "\(path) is not a decodable PNG")
        let w = Int(cairo_image_surface_get_width(s)), h = Int(cairo_image_surface_get_height(s))
        let stride = Int(cairo_image_surface_get_stride(s)) / 4
        let data = try XCTUnwrap(cairo_image_surface_get_data(s)).withMemoryRebound(to: UInt32.self, capacity: h * stride) { p in
            (0..<h).flatMap { y in (0..<w).map { p[y * stride + $0] } }
        }
        return Decoded(width: w, height: h, pixels: data)
    }

    /// A constant field on a 0.25° grid over the North Sea, 12°W-6°E, 48°N-62°N, longitudes and latitudes given
    /// in the requested convention and order.
    func northSea(longitudes0to360: Bool, latitudesDescending: Bool) -> FieldPanel {
        var lon = (0..<72).map { -11.875 + 0.25 * Double($0) }
        if longitudes0to360 { lon = lon.map { $0 < 0 ? $0 + 360 : $0 } }
        var lat = (0..<56).map { 48.125 + 0.25 * Double($0) }
        if latitudesDescending { lat.reverse() }
        return FieldPanel(title: "North Sea", values: [Float](repeating: 1, count: 72 * 56),
                          grid: PlotGrid(latitudes: lat, longitudes: lon), range: 0...2, label: "x (1)")
    }

    func testMapIsADecodablePNGOfTheLaidOutSize() throws {
        let lat = (0..<96).map { -89.0625 + 1.875 * Double($0) }, lon = (0..<192).map { 1.875 * Double($0) }
        var values = (0..<(96 * 192)).map { Float(250 + ($0 / 192)) }
        values[5] = .nan
        let panel = FieldPanel(title: "tas", values: values, grid: PlotGrid(latitudes: lat, longitudes: lon), label: "air temperature (K)")
        let figure = Figure(title: "global", panels: [panel, panel], columns: 2)
        let path = dir.appendingPathComponent("global.png").path
        try figure.write(to: path)
        let png = try decode(path)
        XCTAssertEqual(png.width, Int(figure.size.width.rounded(.up)))
        XCTAssertEqual(png.height, Int(figure.size.height.rounded(.up)))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertLessThan(bytes.count, png.width * png.height, "Cairo's PNG is deflate-compressed (raw would be 3 bytes a pixel)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["global.png"], "no temporary file left")
    }

    func testCoastlinesLandOnTheCoastWhicheverWayTheGridIsStored() throws {
        let reference = northSea(longitudes0to360: false, latitudesDescending: false)
        let w = Figure(panels: [reference]).size.width
        var images = [Decoded]()
        for (k, (wrap, descending)) in [(false, false), (true, false), (false, true), (true, true)].enumerated() {
            let path = dir.appendingPathComponent("ns\(k).png").path
            try Figure(panels: [northSea(longitudes0to360: wrap, latitudesDescending: descending)], panelWidth: w).write(to: path)
            images.append(try decode(path))
        }
        for k in 1..<4 {
            // Equal up to anti-aliasing rounding (coordinates differ by 360°).
            var differing = 0
            for (a, b) in zip(images[k].pixels, images[0].pixels) {
                for shift: UInt32 in [0, 8, 16] {
                    let ca = Int((a >> shift) & 0xFF), cb = Int((b >> shift) & 0xFF)
                    if abs(ca - cb) > 6 { differing += 1; break }
                }
            }
            XCTAssertEqual(differing, 0, "grid convention \(k) draws a different map")
        }
        // Along 52.5°N: the English coast near 1.7°E and the Dutch coast near 4.6°E are crossed; the open sea
        // between 2.3°E and 4.0°E is not.
        let png = images[0]
        let (mw, mh) = reference.mapSize(w - 0)
        let mx = Figure.margin + FieldPanel.left + (w - FieldPanel.left - FieldPanel.right - mw) / 2, my = Figure.margin + FieldPanel.top
        func px(_ lon: Double) -> Int { Int(mx + (lon + 12) / 18 * mw) }
        let row = Int(my + (62 - 52.5) / 14 * mh)
        // Coastlines are near-black over the field's colour (viridis 0.5, green 145); grid lines are light.
        func isLine(_ x: Int) -> Bool { (png.at(x, row) >> 8) & 0xFF < 110 }
        XCTAssertTrue((px(1.2)...px(2.0)).contains(where: isLine), "no coastline drawn at East Anglia")
        XCTAssertTrue((px(4.2)...px(4.9)).contains(where: isLine), "no coastline drawn at the Dutch coast")
        XCTAssertFalse((px(2.4)...px(3.9)).contains(where: isLine), "a line drawn over the open North Sea")
    }

    func testTickValuesAndLabels() {
        XCTAssertEqual(Ticks.linear(0, 1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(Ticks.linear(271.3, 302.8, count: 5), [275, 280, 285, 290, 295, 300])
        XCTAssertEqual(Ticks.labels([0, 0.5, 1]), ["0.0", "0.5", "1.0"])
        XCTAssertEqual(Ticks.degrees(-0.9375, 359.0625, count: 6), [0, 60, 120, 180, 240, 300])
        XCTAssertEqual([0, 60, 180, 200, -30, 360].map(Ticks.longitudeLabel), ["0°", "60°E", "180°", "160°W", "30°W", "0°"])
        XCTAssertEqual([-45, 0, 30.5].map(Ticks.latitudeLabel), ["45°S", "0°", "30.5°N"])
        XCTAssertEqual(LinePanel.ticks(1...1000, .log, count: 5).0, [1, 10, 100, 1000])
        XCTAssertEqual(LinePanel.labels([0.01, 1, 1e6], .log), ["0.01", "1", "1e6"])
    }

    func testRotatedPoleTransform() {
        // EURO-CORDEX pole (39.25°N, 162°W): the rotated origin is at 50.75°N 18°E, the pole at rotated latitude 90.
        let o = PlotGrid.rotate(latitude: 50.75, longitude: 18, poleLatitude: 39.25, poleLongitude: -162)
        XCTAssertEqual(o.x, 0, accuracy: 1e-9); XCTAssertEqual(o.y, 0, accuracy: 1e-9)
        XCTAssertEqual(PlotGrid.rotate(latitude: 39.25, longitude: -162, poleLatitude: 39.25, poleLongitude: -162).y, 90, accuracy: 1e-5)
        // East of the origin along the rotated equator is positive rotated longitude.
        XCTAssertGreaterThan(PlotGrid.rotate(latitude: 50.75, longitude: 25, poleLatitude: 39.25, poleLongitude: -162).x, 0)
    }

    func testRotatedPoleAgainstPROJ() {
        // make_rotated_reference.py (pyproj 3.7.2, PROJ 9.5.1): London, Lisbon, Helsinki, Rome, Reykjavik, Moscow,
        // Tunisia, East Greenland on the EURO-CORDEX grid.
        let reference: [(lat: Double, lon: Double, rlon: Double, rlat: Double)] = [
            (lat: 51.5, lon: 0.0, rlon: -11.098552038, rlat: 2.102299624),
            (lat: 38.7, lon: -9.5, rlon: -21.344327500, rlat: -8.075571938),
            (lat: 60.2, lon: 24.9, rlon: 3.471669637, rlat: 9.611939304),
            (lat: 41.9, lon: 12.5, rlon: -4.138562649, rlat: -8.696160989),
            (lat: 64.1, lon: -22.0, rlon: -17.176897595, rlat: 18.061388013),
            (lat: 55.8, lon: 37.6, rlon: 10.939511351, rlat: 6.502461177),
            (lat: 35.0, lon: 10.0, rlon: -6.790531686, rlat: -15.382821245),
            (lat: 70.0, lon: -30.0, rlon: -16.241706541, rlat: 24.665756116),
        ]
        for r in reference {
            let p = PlotGrid.rotate(latitude: r.lat, longitude: r.lon, poleLatitude: 39.25, poleLongitude: -162)
            XCTAssertEqual(p.x, r.rlon, accuracy: 1e-6, "rlon of \(r.lat), \(r.lon)")
            XCTAssertEqual(p.y, r.rlat, accuracy: 1e-6, "rlat of \(r.lat), \(r.lon)")
        }
    }

    /// NCL's EUR-11 sample (libncarg-data): Rome's coast is drawn at Rome's rotated position.
    func testRotatedPoleMapOfARealFile() throws {
        let path = "/usr/share/ncarg/data/nug/tas_rotated_grid_EUR11.nc"
        guard FileManager.default.fileExists(atPath: path) else { print("skipped: \(path) absent"); return }
        let f = try NetCDFFile(path: path)
        let rlat = try f.readDoubles("rlat"), rlon = try f.readDoubles("rlon")
        let tas = try f.read("tas").scalars
        let grid = PlotGrid(x: rlon, y: rlat, axes: .rotatedPole(latitude: 39.25, longitude: -162))
        let panel = FieldPanel(title: "EUR-11", values: tas, grid: grid, label: "Near-Surface Air Temperature (K)")
        let out = (ProcessInfo.processInfo.environment["GRIDPLOT_FIGURES"].map { URL(fileURLWithPath: $0) } ?? dir)
            .appendingPathComponent("eur11.png").path
        let figure = Figure(panels: [panel], panelWidth: 700)
        try figure.write(to: out)
        let png = try decode(out)
        let (mw, mh) = panel.mapSize(700)
        let mx = Figure.margin + FieldPanel.left + (700 - FieldPanel.left - FieldPanel.right - mw) / 2, my = Figure.margin + FieldPanel.top
        let e = grid.extent
        func pixel(_ lat: Double, _ lon: Double) -> (Int, Int) {
            let r = PlotGrid.rotate(latitude: lat, longitude: lon, poleLatitude: 39.25, poleLongitude: -162)
            return (Int(mx + (r.x - e.x0) / (e.x1 - e.x0) * mw), Int(my + (e.y1 - r.y) / (e.y1 - e.y0) * mh))
        }
        // The Tyrrhenian coast at Ostia (41.73N, 12.28E): a dark coastline pixel within 3 pixels.
        let (cx, cy) = pixel(41.73, 12.28)
        let dark = (-3...3).contains { dx in (-3...3).contains { dy in
            let v = png.at(cx + dx, cy + dy)
            return (v >> 16) & 0xFF < 90 && (v >> 8) & 0xFF < 90 && v & 0xFF < 90
        } }
        XCTAssertTrue(dark, "no coastline near Ostia on the rotated map")
        // Mid-Tyrrhenian Sea (40.0N, 12.0E): no coastline within 3 pixels.
        let (sx, sy) = pixel(40.0, 12.0)
        XCTAssertFalse((-3...3).contains { dx in (-3...3).contains { dy in
            let v = png.at(sx + dx, sy + dy)
            return (v >> 16) & 0xFF < 90 && (v >> 8) & 0xFF < 90 && v & 0xFF < 90
        } }, "a coastline drawn over the open Tyrrhenian Sea")
    }

    func testLinePlotAndVectorFormats() throws {
        var plot = LinePanel(title: "ROC", xTitle: "signal efficiency", yTitle: "rejection", series: [
            Series("a", x: [0.1, 0.5, 1], y: [1000, 20, 1]), Series("random", x: [0.1, 1], y: [10, 1], dashed: true),
        ])
        plot.yScale = .log
        XCTAssertEqual(plot.limits.y, 1...1000)
        for ext in ["png", "svg", "pdf"] {
            let path = dir.appendingPathComponent("roc.\(ext)").path
            try Figure(panels: [plot]).write(to: path)
            let head = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(5), as: UTF8.self)
            XCTAssertTrue(["png": "\u{89}PNG", "svg": "<?xml", "pdf": "%PDF-"][ext].map { head.hasPrefix($0) || ext == "png" } ?? false)
        }
        let png = try decode(dir.appendingPathComponent("roc.png").path)
        XCTAssertEqual(png.width, Int(Figure(panels: [plot]).size.width.rounded(.up)))
    }

    func testBadPathsAndMissingDataAreOneLineErrors() throws {
        let plot = LinePanel(title: "t", xTitle: "x", yTitle: "y", series: [Series("s", x: [0, 1], y: [0, 1])])
        for path in ["/nonexistent-dir/f.png", dir.appendingPathComponent("f.gif").path] {
            XCTAssertThrowsError(try Figure(panels: [plot]).write(to: path)) { e in
                XCTAssertFalse("\(e)".contains("\n")); XCTAssertTrue("\(e)".contains(path), "\(e)")
            }
        }
        // Values that do not fit the grid, and an empty grid: an error or a figure, never a crash.
        let wrong = FieldPanel(title: "w", values: [1, 2, 3], grid: PlotGrid(latitudes: [0, 1], longitudes: [0, 1]), label: "x")
        XCTAssertThrowsError(try Figure(panels: [wrong]).write(to: dir.appendingPathComponent("w.png").path)) { e in
            XCTAssertTrue("\(e)".contains("3 values for a 2x2 grid"), "\(e)")
        }
        let empty = FieldPanel(title: "e", values: [], grid: PlotGrid(latitudes: [], longitudes: []), label: "x")
        _ = try? Figure(panels: [empty]).write(to: dir.appendingPathComponent("e.png").path)
        XCTAssertThrowsError(try Fonts.face("DejaVuSans.ttf", directory: "/nonexistent-fonts")) { e in
            XCTAssertTrue("\(e)".contains("fonts-dejavu-core"), "\(e)"); XCTAssertFalse("\(e)".contains("\n"))
        }
        XCTAssertThrowsError(try Coastlines.load(.crude, directory: "/nonexistent-gshhg")) { e in
            XCTAssertTrue("\(e)".contains("gmt-gshhg-low"), "\(e)")
        }
    }

    func testShorelinesReadThroughGridIO() throws {
        let lines = try Coastlines.load(.crude)
        XCTAssertGreaterThan(lines.count, 1000)
        // Some shoreline runs through the British Isles' box and none is outside the globe.
        XCTAssertTrue(lines.contains { $0.points.contains { $0.lat > 50 && $0.lat < 58 && $0.lon > 354 && $0.lon < 358 } })
        XCTAssertTrue(lines.allSatisfy { $0.latRange.lowerBound >= -90 && $0.latRange.upperBound <= 90 && $0.lonRange.lowerBound >= 0 && $0.lonRange.upperBound <= 360 })
    }
}
