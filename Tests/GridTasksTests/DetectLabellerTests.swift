// The heuristic labeller on constructed fields with known answers: a cyclone is found where it is (and only with
// the hemisphere's cyclonic rotation, a warm core, equatorward of 40 deg), a plume is an atmospheric river only when
// longer than 2000 km, a flat field has no events; plus the geometry it relies on (vorticity, region length, area).
import Foundation
import Testing
@testable import GridTasks

@Suite struct DetectLabellerTests {
    let options = LabellerOptions()

    func classes(_ mask: [Int8], near k: Int, _ f: DetectWeatherFixture) -> Set<Int8> {
        let (i0, j0) = (k / f.grid.width, k % f.grid.width)
        var s = Set<Int8>()
        f.grid.forEach(within: 2, of: i0, j0) { i, j, _ in s.insert(mask[i * f.grid.width + j]) }
        return s
    }

    @Test func flatFieldHasNoEvents() {
        let f = DetectWeatherFixture()
        let (mask, events) = Labeller.label(f.fields, grid: f.grid, options: options)
        #expect(mask.allSatisfy { $0 == 0 })
        #expect(events.isEmpty)
    }

    @Test func northernCycloneIsFoundWhereItIs() throws {
        var f = DetectWeatherFixture()
        f.addVortex(lat: 20, lon: 100, anticlockwise: true)
        let (mask, events) = Labeller.label(f.fields, grid: f.grid, options: options)
        let tc = events.filter { $0.eventClass == 1 }
        try #require(tc.count == 1)
        #expect(abs(tc[0].lat - 20) <= 2 && abs(tc[0].lon - 100) <= 2)
        #expect(mask[f.index(lat: 20, lon: 100)] == 1)
        #expect(tc[0].diagnostics["vorticity_s-1"]! > 3.5e-5)
        #expect(tc[0].diagnostics["warm_core_k"]! > 1)
        // Labelled points stay near the centre (within the 8 deg environment radius).
        for (k, c) in mask.enumerated() where c == 1 {
            #expect(f.grid.distance(k / f.grid.width, k % f.grid.width, f.index(lat: 20, lon: 100) / f.grid.width, f.index(lat: 20, lon: 100) % f.grid.width) <= 8)
        }
        #expect(!mask.contains(2))
    }

    @Test func hemisphereDecidesWhichRotationIsCyclonic() throws {
        // Anticlockwise south of the equator is anticyclonic: not a cyclone.
        var wrong = DetectWeatherFixture()
        wrong.addVortex(lat: -20, lon: 200, anticlockwise: true)
        #expect(Labeller.label(wrong.fields, grid: wrong.grid, options: options).events.isEmpty)
        // Clockwise is cyclonic there.
        var right = DetectWeatherFixture()
        right.addVortex(lat: -20, lon: 200, anticlockwise: false)
        let (mask, events) = Labeller.label(right.fields, grid: right.grid, options: options)
        try #require(events.count == 1)
        #expect(events[0].lat < 0 && events[0].diagnostics["vorticity_s-1"]! < 0)
        #expect(mask[right.index(lat: -20, lon: 200)] == 1)
        // And clockwise in the north is not.
        var north = DetectWeatherFixture()
        north.addVortex(lat: 20, lon: 200, anticlockwise: false)
        #expect(Labeller.label(north.fields, grid: north.grid, options: options).events.isEmpty)
    }

    @Test func cycloneRulesLatitudeWarmCoreAndDepth() {
        var far = DetectWeatherFixture()
        far.addVortex(lat: 52, lon: 30, anticlockwise: true)
        #expect(Labeller.label(far.fields, grid: far.grid, options: options).events.isEmpty, "poleward of 40 deg")
        var cold = DetectWeatherFixture()
        cold.addVortex(lat: 25, lon: 30, anticlockwise: true, tAnomaly: -3)
        #expect(Labeller.label(cold.fields, grid: cold.grid, options: options).events.isEmpty, "cold core")
        // Without T500 the warm core cannot be checked; a deep low then counts, a shallow one does not.
        var noT = cold.fields
        noT[.t500] = nil
        #expect(Labeller.label(noT, grid: cold.grid, options: options).events.count == 1)
        var shallow = DetectWeatherFixture()
        shallow.addVortex(lat: 25, lon: 30, depth: 5, anticlockwise: true)
        var shallowNoT = shallow.fields
        shallowNoT[.t500] = nil
        #expect(Labeller.label(shallowNoT, grid: shallow.grid, options: options).events.isEmpty)
    }

    @Test func longPlumeIsARiverShortOneIsNot() throws {
        var f = DetectWeatherFixture()
        f.addPlume(lat: 28, lon: 150, bearing: 50, length: 3500)
        f.addPlume(lat: -30, lon: 300, bearing: 130, length: 1200)
        let (mask, events) = Labeller.label(f.fields, grid: f.grid, options: options)
        let ars = events.filter { $0.eventClass == 2 }
        try #require(ars.count == 1)
        #expect(ars[0].lat > 0)
        #expect(ars[0].diagnostics["length_km"]! > 2000 && ars[0].diagnostics["width_km"]! < 1000)
        let mid = DetectWeatherFixture.destination(28, 150, bearing: 50, km: 1750)
        #expect(mask[f.index(lat: mid.0, lon: mid.1)] == 2)
        #expect(!classes(mask, near: f.index(lat: -33, lon: 304), f).contains(2), "the 1200 km plume is no river")
        #expect(!mask.contains(1))
    }

    @Test func riversStayPolewardOfTheLatitudeLimit() {
        var f = DetectWeatherFixture()
        f.addPlume(lat: -10, lon: 40, bearing: 90, length: 4000)   // along 10 S
        #expect(Labeller.label(f.fields, grid: f.grid, options: options).events.isEmpty)
    }

    @Test func riverWrapsAroundTheDateline() throws {
        var f = DetectWeatherFixture()
        f.addPlume(lat: 35, lon: 340, bearing: 70, length: 3000)
        let (mask, events) = Labeller.label(f.fields, grid: f.grid, options: options)
        try #require(events.count == 1, "one region across 0 deg longitude, not two halves")
        #expect(mask[f.index(lat: 36, lon: 355)] == 2 || mask[f.index(lat: 37, lon: 2)] == 2)
    }

    @Test func vorticityOfSolidBodyRotation() {
        // u = U cos(lat) (solid-body zonal flow) has vorticity 2 U sin(lat) / a.
        let f = DetectWeatherFixture(spacing: 1)
        let u = (0..<(f.grid.height * f.grid.width)).map { Float(10 * cos(f.grid.lat[$0 / f.grid.width] * .pi / 180)) }
        let z = f.grid.vorticity(u: u, v: [Float](repeating: 0, count: u.count))
        let k = f.index(lat: 30.5, lon: 77)
        let expected = 2 * 10 * sin(30.5 * Double.pi / 180) / (earthRadiusKm * 1000)
        #expect(abs(Double(z[k]) - expected) < 0.01 * expected)
    }

    @Test func regionLengthAreaAndCentroid() {
        let f = DetectWeatherFixture(spacing: 2)
        // 20 points along the equator row nearest 1 N: 38 deg of arc long.
        let i = f.grid.lat.firstIndex { $0 > 0 }!
        let points = (0..<20).map { i * f.grid.width + $0 }
        let r = f.grid.describe(points)
        let arc = 38 * Double.pi / 180 * earthRadiusKm * cos(f.grid.lat[i] * .pi / 180)
        #expect(abs(r.lengthKm - arc) < 0.01 * arc)
        let cell = pow(2 * Double.pi / 180 * earthRadiusKm, 2)
        #expect(abs(r.areaKm2 - 20 * cell) < 0.01 * 20 * cell)
        #expect(abs(r.centroid.lat - f.grid.lat[i]) < 0.1 && abs(r.centroid.lon - 19) < 0.1)
        // The whole sphere adds up.
        #expect(abs(f.grid.cellArea.reduce(0, +) * Double(f.grid.width) - 4 * .pi * earthRadiusKm * earthRadiusKm) < 1e-6 * 4 * .pi * earthRadiusKm * earthRadiusKm)
    }

    @Test func gridKnowsWhenItIsGlobal() {
        #expect(DetectWeatherFixture().grid.periodic)
        let regional = LatLonGrid(lat: [20, 21, 22, 23], lon: [-140, -137.5, -135, -132.5])
        #expect(!regional.periodic)
        #expect(regional.neighbours(0, 0).count == 3)
    }
}
