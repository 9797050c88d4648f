// CF coordinate detection: which variables are latitude/longitude/time/vertical axes of a data variable, through
// standard_name, units, axis and positive attributes (names only as a last resort), plus 2-D auxiliary coordinates
// from the `coordinates` attribute and the `grid_mapping` variable (e.g. rotated_pole of rlat/rlon grids).
import Foundation

/// A CF axis letter.
public enum CFAxis: String, Codable, Sendable { case x = "X", y = "Y", z = "Z", t = "T" }

/// What a coordinate variable measures.
public enum CFCoordinateKind: String, Codable, Sendable {
    case latitude, longitude, gridLatitude = "grid_latitude", gridLongitude = "grid_longitude"
    case projectionX = "projection_x", projectionY = "projection_y", time, vertical, other

    var axis: CFAxis? {
        switch self {
        case .longitude, .gridLongitude, .projectionX: return .x
        case .latitude, .gridLatitude, .projectionY: return .y
        case .vertical: return .z
        case .time: return .t
        case .other: return nil
        }
    }
}

/// A coordinate variable of a data variable.
public struct CFCoordinate: Equatable, Codable, Sendable {
    /// The coordinate variable's path.
    public var name: String
    /// The names of its dimensions, in storage order (one for a 1-D axis, e.g. `[y, x]` for a 2-D latitude).
    public var dimensions: [String]
    /// The axis it runs along: from its kind, else its `axis` attribute; nil when neither says.
    public var axis: CFAxis?
    /// What it measures, decided by `standard_name`, then `units`, then `axis`/`positive`, and only last by its name.
    public var kind: CFCoordinateKind
    /// Its `units` attribute as written (e.g. `degrees_north`, `days since 1850-01-01`, `hPa`).
    public var units: String?
    /// Its CF `standard_name` attribute, if any.
    public var standardName: String?
    /// True when it comes from the `coordinates` attribute (e.g. 2-D lat/lon) rather than a dimension.
    public var isAuxiliary: Bool
}

/// A grid mapping variable (CF `grid_mapping`), e.g. rotated_pole with grid_north_pole_latitude/longitude.
public struct CFGridMapping: Equatable, Sendable {
    /// The grid mapping variable's path (e.g. `rotated_pole`).
    public var variable: String
    /// The `grid_mapping_name` attribute, e.g. "rotated_latitude_longitude".
    public var name: String
    /// All of its attributes (the projection's parameters).
    public var attributes: [NCAttribute]

    /// The rotated pole's true latitude in degrees north (`grid_north_pole_latitude`), nil for other mappings.
    public var northPoleLatitude: Double? { attributes.first { $0.name == "grid_north_pole_latitude" }?.value.number }
    /// The rotated pole's true longitude in degrees east (`grid_north_pole_longitude`), nil for other mappings.
    public var northPoleLongitude: Double? { attributes.first { $0.name == "grid_north_pole_longitude" }?.value.number }
}

/// The coordinates CF attaches to one data variable.
public struct CFCoordinateSystem: Equatable, Sendable {
    /// The data variable's path.
    public var variable: String
    /// Per dimension of the variable (in order), its coordinate variable if there is one.
    public var dimensionCoordinates: [CFCoordinate?]
    /// Auxiliary coordinates from the `coordinates` attribute.
    public var auxiliary: [CFCoordinate]
    /// The variable named by its `grid_mapping` attribute (short or CF-1.7 extended form), nil when it has none.
    public var gridMapping: CFGridMapping?

    /// Every coordinate, dimension coordinates first.
    public var all: [CFCoordinate] { dimensionCoordinates.compactMap { $0 } + auxiliary }

    /// The first coordinate of `kind`, dimension coordinates before auxiliary ones; nil when there is none.
    public func coordinate(_ kind: CFCoordinateKind) -> CFCoordinate? { all.first { $0.kind == kind } }
    /// The true latitude (1-D axis or 2-D auxiliary), if any; a rotated grid's `rlat` is ``CFCoordinateKind/gridLatitude``.
    public var latitude: CFCoordinate? { coordinate(.latitude) }
    /// The true longitude (1-D axis or 2-D auxiliary), if any.
    public var longitude: CFCoordinate? { coordinate(.longitude) }
    /// The time coordinate, if any (decode it with ``NetCDFFile/times(_:)``).
    public var time: CFCoordinate? { coordinate(.time) }
    /// The vertical coordinate (pressure, height, depth, model level), if any.
    public var vertical: CFCoordinate? { coordinate(.vertical) }

    /// Index of the dimension whose coordinate has `axis`.
    public func dimensionIndex(_ axis: CFAxis) -> Int? { dimensionCoordinates.firstIndex { $0?.axis == axis } }
}

extension NetCDFFile {
    /// The CF coordinates of variable `name`.
    public func coordinateSystem(for name: String) throws -> CFCoordinateSystem {
        let v = try variable(name)
        let dimCoords: [CFCoordinate?] = v.dimensions.map { d in
            lookup(d.name, near: v).flatMap { c in c.rank == 1 && c.dimensions[0].name == d.name ? describe(c, auxiliary: false) : nil }
        }
        let auxNames = (v.text("coordinates") ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let aux = auxNames.compactMap { lookup($0, near: v) }
            .filter { c in !dimCoords.contains { $0?.name == c.path } }
            .map { describe($0, auxiliary: true) }
        var mapping: CFGridMapping?
        // Either "rotated_pole" or the CF-1.7 extended form "rotated_pole: rlat rlon".
        if let text = v.text("grid_mapping"), let first = text.split(separator: " ").first,
           let m = lookup(String(first).trimmingCharacters(in: CharacterSet(charactersIn: ":")), near: v) {
            mapping = CFGridMapping(variable: m.path, name: m.text("grid_mapping_name") ?? "", attributes: m.attributes)
        }
        return CFCoordinateSystem(variable: v.path, dimensionCoordinates: dimCoords, auxiliary: aux, gridMapping: mapping)
    }

    /// A variable named `name` in `v`'s group or, failing that, in an ancestor group.
    func lookup(_ name: String, near v: NCVariable) -> NCVariable? {
        var prefix = v.path.split(separator: "/").dropLast().map(String.init)
        let all = allVariables
        while true {
            let candidate = (prefix + [name]).joined(separator: "/")
            if let hit = all.first(where: { $0.path == candidate }) { return hit }
            if prefix.isEmpty { return nil }
            prefix.removeLast()
        }
    }

    func describe(_ c: NCVariable, auxiliary: Bool) -> CFCoordinate {
        let kind = CFCoordinateKind.classify(c)
        let axisText = c.text("axis")?.uppercased()
        return CFCoordinate(name: c.path, dimensions: c.dimensionNames, axis: kind.axis ?? axisText.flatMap(CFAxis.init(rawValue:)),
                            kind: kind, units: c.text("units"), standardName: c.text("standard_name"), isAuxiliary: auxiliary)
    }
}

extension CFCoordinateKind {
    /// Classifies a coordinate variable by standard_name, then units, then axis/positive, then (last) its name.
    static func classify(_ v: NCVariable) -> CFCoordinateKind {
        let standard = v.text("standard_name")?.lowercased() ?? ""
        switch standard {
        case "latitude": return .latitude
        case "longitude": return .longitude
        case "grid_latitude": return .gridLatitude
        case "grid_longitude": return .gridLongitude
        case "projection_x_coordinate": return .projectionX
        case "projection_y_coordinate": return .projectionY
        case "time": return .time
        case "air_pressure", "height", "depth", "altitude", "model_level_number", "pressure", "height_above_ground_level":
            return .vertical
        default:
            if standard.hasPrefix("atmosphere_") || standard.hasPrefix("ocean_") { return .vertical }
        }
        let units = (v.text("units") ?? "").trimmingCharacters(in: .whitespaces)
        let u = units.lowercased()
        if ["degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn"].contains(u) { return .latitude }
        if ["degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"].contains(u) { return .longitude }
        if u.contains(" since ") { return .time }
        if ["pa", "hpa", "kpa", "mbar", "millibar", "bar", "atm", "level", "layer", "sigma_level"].contains(u) { return .vertical }
        let name = v.name.lowercased()
        switch v.text("axis")?.uppercased() {
        case "X": return name == "rlon" ? .gridLongitude : (name == "x" ? .projectionX : .other)
        case "Y": return name == "rlat" ? .gridLatitude : (name == "y" ? .projectionY : .other)
        case "Z": return .vertical
        case "T": return .time
        default: break
        }
        if let positive = v.text("positive")?.lowercased(), positive == "up" || positive == "down" { return .vertical }
        switch name {
        case "lat", "latitude", "nav_lat": return .latitude
        case "lon", "longitude", "nav_lon": return .longitude
        case "rlat": return .gridLatitude
        case "rlon": return .gridLongitude
        case "time", "t": return .time
        case "lev", "level", "plev", "height", "depth", "z": return .vertical
        default: return .other
        }
    }
}
