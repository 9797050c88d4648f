// The bridge from the jobs' grids to figures: the PlotGrid of a NetCDF field (lat/lon, rotated pole, or plain
// axes named after its dimensions) and colour-bar labels from CF attributes ("Near-Surface Air Temperature (K)").
import Foundation
import GridIO
import GridPlot

extension PlotGrid {
    /// The grid of a detection / tracking field.
    init(_ g: LatLonGrid) { self.init(latitudes: g.lat, longitudes: g.lon) }

    /// The grid of `field` as its file describes it: 1-D latitude/longitude coordinates; rotated latitude/longitude
    /// with a rotated_latitude_longitude grid mapping; otherwise the dimensions' own coordinates (or indices).
    static func of(_ field: GridField) -> PlotGrid {
        let (h, w) = (field.height, field.width)
        guard let file = try? NetCDFFile(path: field.path), let system = try? file.coordinateSystem(for: field.variable.name) else {
            return PlotGrid(x: (0..<w).map(Double.init), y: (0..<h).map(Double.init), axes: .plain(x: field.xDimension, y: field.yDimension, yDown: false))
        }
        let dims = field.variable.dimensionNames
        func values(_ dim: String, _ n: Int) -> (CFCoordinate?, [Double]?) {
            guard let k = dims.firstIndex(of: dim), let c = system.dimensionCoordinates[k],
                  let v = try? file.readDoubles(c.name), v.count == n, v.allSatisfy(\.isFinite) else { return (nil, nil) }
            return (c, v)
        }
        let (yc, yv) = values(field.yDimension, h), (xc, xv) = values(field.xDimension, w)
        if let yc, let xc, let yv, let xv {
            if yc.kind == .latitude, xc.kind == .longitude, yv.allSatisfy({ abs($0) <= 90 }) { return PlotGrid(latitudes: yv, longitudes: xv) }
            if yc.kind == .gridLatitude, xc.kind == .gridLongitude, let m = system.gridMapping, m.name == "rotated_latitude_longitude",
               let pLat = m.northPoleLatitude, let pLon = m.northPoleLongitude {
                return PlotGrid(x: xv, y: yv, axes: .rotatedPole(latitude: pLat, longitude: pLon))
            }
            return PlotGrid(x: xv, y: yv, axes: .plain(x: axisTitle(xc), y: axisTitle(yc), yDown: false))
        }
        return PlotGrid(x: (0..<w).map(Double.init), y: (0..<h).map(Double.init), axes: .plain(x: field.xDimension, y: field.yDimension, yDown: false))
    }

    static func axisTitle(_ c: CFCoordinate) -> String { c.units.map { "\(c.name) (\($0))" } ?? c.name }
}

enum FigureText {
    /// "Near-Surface Air Temperature (K)": long name, else standard name, else the variable's name; then units.
    static func label(_ v: NCVariable, units: String? = nil) -> String {
        let name = v.text("long_name") ?? v.text("standard_name")?.replacingOccurrences(of: "_", with: " ") ?? v.name
        return withUnits(name, units ?? v.text("units"))
    }

    static func withUnits(_ name: String, _ units: String?) -> String {
        guard let u = units, !u.isEmpty, u != "1" else { return name }
        return "\(name) (\(u))"
    }
}
