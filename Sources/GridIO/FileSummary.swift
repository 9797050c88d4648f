// The statistics summary behind `gridcnn info`: structure, decoded coordinate ranges, time span, and per-variable
// min/max/mean/missing over valid (unmasked, unpacked) values. Large variables are read in slabs along their first
// dimension, so memory stays bounded whatever the file size.
import Foundation

/// A CF-decoded summary of a NetCDF file. Encodes to JSON as
/// `{"dimensions": {path: length}, "variables": {path: {"dims", "shape", "units", "min", "max", "mean", "missing"}}, ...}`.
/// Dimensions and variables are named by path ("x" in the root group, "group/x" below it), so same-named
/// dimensions of different groups stay apart; a variable's "dims" are keys of "dimensions".
public struct FileSummary: Codable, Sendable {
    /// The file summarised, as given.
    public var path: String
    /// The file's format as ``NCFormat`` names it (`classic`, `netCDF-4`, `Zarr (NCZarr)`, ...).
    public var format: String
    /// Every dimension's current length, by path.
    public var dimensions: [String: Int]
    /// The paths of the unlimited (record) dimensions.
    public var unlimitedDimensions: [String]
    /// The summarised variables by path (all, or the one asked for).
    public var variables: [String: VariableSummary]
    /// Decoded ranges of the coordinate variables, by name.
    public var coordinates: [String: CoordinateSummary]
    /// The span of the (first) CF time coordinate.
    public var time: TimeSpan?
    /// The root group's attributes, in file order.
    public var globalAttributes: [AttributeSummary]
    /// File order of dimensions and variables, for the text rendering.
    var dimensionOrder: [String] = []
    var variableOrder: [String] = []

    enum CodingKeys: String, CodingKey {
        case path, format, dimensions, unlimitedDimensions, variables, coordinates, time, globalAttributes
    }
}

/// One variable: structure and statistics of its valid values (nil min/max/mean when none are valid).
public struct VariableSummary: Codable, Sendable {
    /// Its dimensions' paths, in storage order (keys of ``FileSummary/dimensions``).
    public var dims: [String]
    /// Its lengths along `dims`.
    public var shape: [Int]
    /// Its stored type as ``NCType`` names it (`float`, `short`, ...): the packed type for packed data.
    public var type: String
    /// Its `units` attribute.
    public var units: String?
    /// Its `long_name` attribute.
    public var longName: String?
    /// Its CF `standard_name` attribute.
    public var standardName: String?
    /// The smallest valid value, decoded (unpacked, in `units`); nil when none is valid or the type is not numeric.
    public var min: Double?
    /// The largest valid value, decoded; nil when none is valid.
    public var max: Double?
    /// The mean of the valid values, decoded and accumulated in Double; nil when none is valid.
    public var mean: Double?
    /// Values masked by _FillValue, missing_value or the valid range (or NaN).
    public var missing: Int
    /// The number of values that are not missing.
    public var valid: Int
    /// All of its attributes, in file order.
    public var attributes: [AttributeSummary]

    /// Encodes every key, with explicit nulls for absent statistics (`"min": null`) rather than a missing key.
    public func encode(to encoder: Encoder) throws {
        // Explicit nulls: a consumer should see "min": null rather than a missing key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dims, forKey: .dims)
        try c.encode(shape, forKey: .shape)
        try c.encode(type, forKey: .type)
        try c.encode(units, forKey: .units)
        try c.encodeIfPresent(longName, forKey: .longName)
        try c.encodeIfPresent(standardName, forKey: .standardName)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(mean, forKey: .mean)
        try c.encode(missing, forKey: .missing)
        try c.encode(valid, forKey: .valid)
        try c.encode(attributes, forKey: .attributes)
    }
}

/// An attribute: text values as they are, numbers comma-separated.
public struct AttributeSummary: Codable, Sendable, Equatable {
    /// The attribute's name.
    public var name: String
    /// Its stored type as ``NCType`` names it.
    public var type: String
    /// Text as it is; numbers comma-separated.
    public var value: String
}

/// A coordinate variable's role and decoded range.
public struct CoordinateSummary: Codable, Sendable {
    /// The CF axis letter (`X`, `Y`, `Z`, `T`), when known.
    public var axis: String?
    /// What it measures, as ``CFCoordinateKind`` raw values name it (`latitude`, `grid_longitude`, `time`, ...).
    public var kind: String
    /// Its `units` attribute.
    public var units: String?
    /// Its smallest valid value (for time, in its own units).
    public var min: Double?
    /// Its largest valid value.
    public var max: Double?
    /// ISO dates of min and max for time coordinates.
    public var start: String?
    /// The ISO date of `max`, for time coordinates.
    public var end: String?
}

/// The decoded time span of a time coordinate.
public struct TimeSpan: Codable, Sendable {
    /// The time coordinate's path.
    public var variable: String
    /// Its units (e.g. `days since 1850-01-01`).
    public var units: String
    /// Its CF calendar (``CFCalendar`` raw value).
    public var calendar: String
    /// The earliest time as an ISO 8601 date.
    public var start: String
    /// The latest time as an ISO 8601 date.
    public var end: String
    /// The number of valid time values.
    public var steps: Int
}

extension FileSummary {
    /// Summarises `path`, or only variable `variable` (with its coordinates) when given. Statistics read at most
    /// about `valuesPerRead` values at a time (whole rows of the first dimension).
    public static func make(path: String, variable: String? = nil, valuesPerRead: Int = 1 << 22) throws -> FileSummary {
        let file = try NetCDFFile(path: path)
        let all = file.allVariables
        let chosen = try variable.map { [try file.variable($0)] } ?? all
        var summary = FileSummary(
            path: path, format: file.format.rawValue,
            dimensions: Dictionary(file.root.allDimensions.map { ($0.path, $0.length) }, uniquingKeysWith: { a, _ in a }),
            unlimitedDimensions: file.root.allDimensions.filter(\.isUnlimited).map(\.path),
            variables: [:], coordinates: [:], time: nil, globalAttributes: file.attributes.map(AttributeSummary.init))
        summary.dimensionOrder = file.root.allDimensions.map(\.path)
        for v in chosen {
            summary.variables[v.path] = try summarize(v, in: file, valuesPerRead: valuesPerRead)
            summary.variableOrder.append(v.path)
        }
        // Coordinates of the chosen variables, with their decoded ranges.
        for v in chosen where v.rank > 0 {
            for c in try file.coordinateSystem(for: v.path).all where summary.coordinates[c.name] == nil {
                let stats = try summary.variables[c.name] ?? summarize(try file.variable(c.name), in: file, valuesPerRead: valuesPerRead)
                var entry = CoordinateSummary(axis: c.axis?.rawValue, kind: c.kind.rawValue, units: c.units, min: stats.min, max: stats.max)
                if c.kind == .time, let units = c.units, let decoder = try? CFTimeUnits(units, calendar: try file.variable(c.name).text("calendar")) {
                    entry.start = stats.min.flatMap(decoder.date)?.iso8601
                    entry.end = stats.max.flatMap(decoder.date)?.iso8601
                    if summary.time == nil, let s = entry.start, let e = entry.end {
                        summary.time = TimeSpan(variable: c.name, units: units, calendar: decoder.calendar.rawValue, start: s, end: e,
                                                steps: stats.valid)
                    }
                }
                summary.coordinates[c.name] = entry
            }
        }
        return summary
    }

    static func summarize(_ v: NCVariable, in file: NetCDFFile, valuesPerRead: Int) throws -> VariableSummary {
        var s = VariableSummary(dims: v.dimensions.map(\.path), shape: v.shape, type: v.type.rawValue, units: v.text("units"),
                                longName: v.text("long_name"), standardName: v.text("standard_name"),
                                min: nil, max: nil, mean: nil, missing: 0, valid: 0, attributes: v.attributes.map(AttributeSummary.init))
        guard v.type.isNumeric, v.count > 0 else { return s }
        try file.refuseAbsurdSize(v)
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0
        // Read slabs of at most ~valuesPerRead values: split along the first axis whose trailing block fits, and
        // step through the axes before it one index at a time (an odometer).
        let shape = v.shape, rank = v.rank
        var axis = 0
        while axis < rank - 1 && saturatingProduct(shape[(axis + 1)...]) > valuesPerRead { axis += 1 }
        let inner = rank == 0 ? 1 : saturatingProduct(shape[(axis + 1)...])
        let perSlab = rank == 0 ? 1 : Swift.max(1, Swift.min(shape[axis], valuesPerRead / Swift.max(inner, 1)))
        var buffer = [Double](repeating: 0, count: perSlab * inner)
        var outer = [Int](repeating: 0, count: axis)
        var done = false
        while !done {
            var first = 0
            repeat {
                var start = [Int](repeating: 0, count: rank), count = shape
                for k in 0..<axis { start[k] = outer[k]; count[k] = 1 }
                if rank > 0 { start[axis] = first; count[axis] = Swift.min(perSlab, shape[axis] - first) }
                let slab = try Hyperslab(variable: v, start: start, count: count)
                try buffer.withUnsafeMutableBufferPointer { try file.readValues(v, slab, decode: true, into: $0) }
                for x in buffer.prefix(slab.elementCount) {
                    if x.isNaN { s.missing += 1; continue }
                    s.valid += 1
                    lo = Swift.min(lo, x)
                    hi = Swift.max(hi, x)
                    sum += x
                }
                first += rank == 0 ? 1 : count[axis]
            } while rank > 0 && first < shape[axis]
            // Advance the odometer over the axes before `axis`.
            var k = axis - 1
            while k >= 0 { outer[k] += 1; if outer[k] < shape[k] { break }; outer[k] = 0; k -= 1 }
            done = k < 0
        }
        if s.valid > 0 {
            s.min = lo
            s.max = hi
            s.mean = sum / Double(s.valid)
        }
        return s
    }
}

extension AttributeSummary {
    init(_ a: NCAttribute) { self.init(name: a.name, type: a.type.rawValue, value: a.value.string ?? a.value.displayText) }

    /// The value as ncdump prints it: text quoted with escaped newlines.
    var quotedValue: String {
        guard type == NCType.char.rawValue || type == NCType.string.rawValue else { return value }
        return "\"" + value.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
