// Plain value types describing a NetCDF file's structure; NetCDFFile fills them once at open, so inspecting them
// needs no further library calls.
import CNetCDF
import Foundation

/// A NetCDF external data type.
public enum NCType: String, Codable, Sendable, CaseIterable {
    case byte, char, short, int, float, double, ubyte, ushort, uint, int64, uint64, string, userDefined

    init(code: nc_type) {
        switch code {
        case NC_BYTE: self = .byte
        case NC_CHAR: self = .char
        case NC_SHORT: self = .short
        case NC_INT: self = .int
        case NC_FLOAT: self = .float
        case NC_DOUBLE: self = .double
        case NC_UBYTE: self = .ubyte
        case NC_USHORT: self = .ushort
        case NC_UINT: self = .uint
        case NC_INT64: self = .int64
        case NC_UINT64: self = .uint64
        case NC_STRING: self = .string
        default: self = .userDefined
        }
    }

    /// The library's type code (0 for user-defined types).
    public var code: nc_type {
        switch self {
        case .byte: return NC_BYTE
        case .char: return NC_CHAR
        case .short: return NC_SHORT
        case .int: return NC_INT
        case .float: return NC_FLOAT
        case .double: return NC_DOUBLE
        case .ubyte: return NC_UBYTE
        case .ushort: return NC_USHORT
        case .uint: return NC_UINT
        case .int64: return NC_INT64
        case .uint64: return NC_UINT64
        case .string: return NC_STRING
        case .userDefined: return 0
        }
    }

    /// Bytes per element in memory (0 for string and user-defined types).
    public var size: Int {
        switch self {
        case .byte, .char, .ubyte: return 1
        case .short, .ushort: return 2
        case .int, .uint, .float: return 4
        case .double, .int64, .uint64: return 8
        case .string, .userDefined: return 0
        }
    }

    /// True for the types that convert to Float.
    public var isNumeric: Bool { self != .char && self != .string && self != .userDefined }
    /// True for the integer types.
    public var isInteger: Bool { isNumeric && self != .float && self != .double }
}

/// An attribute value. Integer attributes of every width are held as Int64 (UInt64 bit-cast for uint64).
public enum AttributeValue: Equatable, Codable, Sendable {
    case text(String)
    case strings([String])
    case ints([Int64])
    case doubles([Double])

    /// The value as text when it is text (or a single string).
    public var string: String? {
        switch self {
        case .text(let s): return s
        case .strings(let s) where s.count == 1: return s[0]
        default: return nil
        }
    }

    /// The values as Doubles when numeric.
    public var numbers: [Double]? {
        switch self {
        case .ints(let v): return v.map(Double.init)
        case .doubles(let v): return v
        default: return nil
        }
    }

    /// The first numeric value.
    public var number: Double? { numbers?.first }

    /// ncdump-like rendering: strings quoted, numbers comma-separated.
    public var displayText: String {
        switch self {
        case .text(let s): return "\"" + s.replacingOccurrences(of: "\n", with: "\\n") + "\""
        case .strings(let s): return s.map { "\"\($0)\"" }.joined(separator: ", ")
        case .ints(let v): return v.map(String.init).joined(separator: ", ")
        case .doubles(let v): return v.map { formatNumber($0) }.joined(separator: ", ")
        }
    }
}

extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// A text attribute from a string literal: `"K"`.
    public init(stringLiteral value: String) { self = .text(value) }
    /// A one-value integer attribute from an integer literal: `4`.
    public init(integerLiteral value: Int64) { self = .ints([value]) }
    /// A one-value double attribute from a float literal: `1e20`.
    public init(floatLiteral value: Double) { self = .doubles([value]) }
}

/// A named attribute with its on-disk type.
public struct NCAttribute: Equatable, Codable, Sendable {
    /// The attribute's name (e.g. `units`, `_FillValue`).
    public var name: String
    /// Its on-disk type (a `_FillValue` must have its variable's type).
    public var type: NCType
    /// Its value.
    public var value: AttributeValue

    /// An attribute stored with an explicit on-disk type.
    public init(name: String, type: NCType, value: AttributeValue) {
        self.name = name
        self.type = type
        self.value = value
    }

    /// An attribute whose on-disk type follows the value: text -> char, ints -> int (int64 when a value needs it),
    /// doubles -> double.
    public init(_ name: String, _ value: AttributeValue) {
        let type: NCType
        switch value {
        case .text: type = .char
        case .strings: type = .string
        case .ints(let v): type = v.allSatisfy { Int32(exactly: $0) != nil } ? .int : .int64
        case .doubles: type = .double
        }
        self.init(name: name, type: type, value: value)
    }
}

/// A dimension. `length` is the current length, also for an unlimited dimension.
public struct NCDimension: Equatable, Codable, Sendable {
    /// The dimension's name in its group.
    public var name: String
    /// "name" in the root group and "group/sub/name" below it, like a variable's path: groups may each define a
    /// dimension of the same name.
    public var path: String
    /// The current length (the number of records so far for an unlimited dimension).
    public var length: Int
    /// True for an unlimited (record) dimension, which grows as steps are appended.
    public var isUnlimited: Bool
    let id: Int32
}

/// A variable's metadata. `path` is "name" in the root group and "group/sub/name" below it.
public struct NCVariable: Equatable, Sendable {
    /// The variable's name in its group.
    public var name: String
    /// `name` in the root group, `group/sub/name` below it: what `NetCDFFile.variable(_:)` accepts.
    public var path: String
    /// The stored (external) type: the packed type of a packed variable.
    public var type: NCType
    /// Its dimensions, slowest-varying first (C order: `[time, lat, lon]`).
    public var dimensions: [NCDimension]
    /// Its attributes, in file order.
    public var attributes: [NCAttribute]
    /// Chunk lengths of a chunked NetCDF-4 variable, nil when contiguous or classic.
    public var chunkSizes: [Int]?
    /// Deflate level, nil when not compressed.
    public var deflateLevel: Int?
    /// True when the shuffle filter is on (netCDF-4).
    public var shuffle: Bool
    let groupID: Int32
    let varID: Int32

    /// The lengths of its dimensions, in order: the shape of a whole read.
    public var shape: [Int] { dimensions.map(\.length) }
    /// The names of its dimensions, in order.
    public var dimensionNames: [String] { dimensions.map(\.name) }
    /// The number of dimensions (0 for a scalar).
    public var rank: Int { dimensions.count }
    /// Number of elements (saturating at Int.max for absurd corrupt shapes, instead of trapping).
    public var count: Int { saturatingProduct(shape) }

    /// The attribute of that name, if present.
    public func attribute(_ name: String) -> AttributeValue? { attributes.first { $0.name == name }?.value }
    /// A text attribute, if present and text.
    public func text(_ name: String) -> String? { attribute(name)?.string }
}

/// A group: the root group of a file, or a NetCDF-4 subgroup.
public struct NCGroup: Equatable, Sendable {
    /// The group's name ("/" for the root).
    public var name: String
    /// "" for the root, "a/b" below it.
    public var path: String
    /// Dimensions defined in this group (not its subgroups).
    public var dimensions: [NCDimension]
    /// Variables defined in this group (not its subgroups).
    public var variables: [NCVariable]
    /// The group's attributes (the root's are the file's global attributes).
    public var attributes: [NCAttribute]
    /// Its direct subgroups (netCDF-4 only; empty for classic files).
    public var groups: [NCGroup]

    /// This group's variables and those of every subgroup, depth first.
    public var allVariables: [NCVariable] { variables + groups.flatMap(\.allVariables) }
    /// This group's dimensions and those of every subgroup, depth first.
    public var allDimensions: [NCDimension] { dimensions + groups.flatMap(\.allDimensions) }
}

/// The on-disk format of a NetCDF file.
public enum NCFormat: String, Codable, Sendable {
    case classic, offset64 = "64-bit offset", cdf5, netCDF4 = "netCDF-4", netCDF4Classic = "netCDF-4 classic model"
    /// A Zarr v2 store read through libnetcdf's NCZarr (netCDF-4 data model).
    case zarr = "Zarr (NCZarr)"

    /// True for the NetCDF-3 family, whose data is stored uncompressed at offsets given in the header.
    public var isClassicFamily: Bool { self == .classic || self == .offset64 || self == .cdf5 }
}

/// The product of `values`, Int.max on overflow.
func saturatingProduct<C: Collection>(_ values: C) -> Int where C.Element == Int {
    var product = 1
    for v in values {
        let (p, overflow) = product.multipliedReportingOverflow(by: v)
        if overflow { return Int.max }
        product = p
    }
    return product
}

/// Formats a number the way ncdump does: integers without a fraction, others with up to 7 significant digits.
func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return String(format: "%.7g", v)
}
