// The statistics summary behind `gridcnn info`: structure, decoded coordinate ranges, time span, and per-variable
// min/max/mean/missing over valid (unmasked, unpacked) values. Large variables are read in slabs along their first
// dimension, so memory stays bounded whatever the file size.
import Foundation

/// A CF-decoded summary of a NetCDF file. Encodes to JSON as
/// `{"dimensions": {path: length}, "variables": {path: {"dims", "shape", "units", "min", "max", "mean", "missing"}}, ...}`.
/// Dimensions and variables are named by path ("x" in the root group, "group/x" below it), so same-named
/// dimensions of different groups stay apart; a variable's "dims" are keys of "dimensions".
public struct FileSummary: Codable, Sendable {
    public var path: String
    public var format: String
    public var dimensions: [String: Int]
    public var unlimitedDimensions: [String]
    public var variables: [String: VariableSummary]
    /// Decoded ranges of the coordinate variables, by name.
    public var coordinates: [String: CoordinateSummary]
    /// The span of the (first) CF time coordinate.
    public var time: TimeSpan?
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
    public var dims: [String]
    public var shape: [Int]
    public var type: String
    public var units: String?
    public var longName: String?
    public var standardName: String?
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Values masked by _FillValue, missing_value or the valid range (or NaN).
    public var missing: Int
    public var valid: Int
    public var attributes: [AttributeSummary]

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
    public var name: String
    public var type: String
    public var value: String
}

/// A coordinate variable's role and decoded range.
public struct CoordinateSummary: Codable, Sendable {
    public var axis: String?
    public var kind: String
    public var units: String?
    public var min: Double?
    public var max: Double?
    /// ISO dates of min and max for time coordinates.
    public var start: String?
    public var end: String?
}

/// The decoded time span of a time coordinate.
public struct TimeSpan: Codable, Sendable {
    public var variable: String
    public var units: String
    public var calendar: String
    public var start: String
    public var end: String
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
