// Conversions from Swift values to the native bytes of a NetCDF type, for the writer: NaN becomes the fill value,
// physical values are packed, and anything that does not fit the type is an error rather than a silent wrap.

/// A native type the writer can produce from a Double.
protocol NCEncodable { static func make(_ value: Double) -> Self? }
extension Int8: NCEncodable { static func make(_ v: Double) -> Int8? { Int8(exactly: v.rounded()) } }
extension UInt8: NCEncodable { static func make(_ v: Double) -> UInt8? { UInt8(exactly: v.rounded()) } }
extension Int16: NCEncodable { static func make(_ v: Double) -> Int16? { Int16(exactly: v.rounded()) } }
extension UInt16: NCEncodable { static func make(_ v: Double) -> UInt16? { UInt16(exactly: v.rounded()) } }
extension Int32: NCEncodable { static func make(_ v: Double) -> Int32? { Int32(exactly: v.rounded()) } }
extension UInt32: NCEncodable { static func make(_ v: Double) -> UInt32? { UInt32(exactly: v.rounded()) } }
extension Int64: NCEncodable {
    // 2^63 itself is representable as Double but not as Int64, hence the strict bound.
    static func make(_ v: Double) -> Int64? { let r = v.rounded(); return r >= -9.223372036854775808e18 && r < 9.223372036854775808e18 ? Int64(r) : nil }
}
extension UInt64: NCEncodable {
    static func make(_ v: Double) -> UInt64? { let r = v.rounded(); return r >= 0 && r < 1.8446744073709551616e19 ? UInt64(r) : nil }
}
extension Float: NCEncodable {
    static func make(_ v: Double) -> Float? { let f = Float(v); return f.isInfinite && !v.isInfinite ? nil : f }
}
extension Double: NCEncodable { static func make(_ v: Double) -> Double? { v } }

/// Why a value could not be encoded.
struct EncodeFailure: Error { let value: Double; let type: NCType }

/// Encodes `count` values read through `value(i)` into native bytes of `type`. NaN becomes `fill` (raw units, so
/// not packed); other values are packed through `packing` first. Throws EncodeFailure for NaN without a fill or a
/// value outside the type's range.
func encodeNative(count: Int, type: NCType, fill: Double?, packing: CFPacking?, value: (Int) -> Double) throws -> [UInt8] {
    func run<T: NCEncodable>(_: T.Type) throws -> [UInt8] {
        var out = [T]()
        out.reserveCapacity(count)
        for i in 0..<count {
            let v = value(i)
            let raw: Double
            if v.isNaN {
                // Float types may keep NaN when no fill is declared; integers cannot.
                guard let f = fill ?? (type == .float || type == .double ? Double.nan : nil) else { throw EncodeFailure(value: v, type: type) }
                raw = f
            } else {
                raw = packing?.encode(v) ?? v
            }
            guard let t = T.make(raw) else { throw EncodeFailure(value: v, type: type) }
            out.append(t)
        }
        return out.withUnsafeBytes { [UInt8]($0) }
    }
    switch type {
    case .byte: return try run(Int8.self)
    case .ubyte: return try run(UInt8.self)
    case .short: return try run(Int16.self)
    case .ushort: return try run(UInt16.self)
    case .int: return try run(Int32.self)
    case .uint: return try run(UInt32.self)
    case .int64: return try run(Int64.self)
    case .uint64: return try run(UInt64.self)
    case .float: return try run(Float.self)
    case .double: return try run(Double.self)
    default: throw EncodeFailure(value: .nan, type: type)
    }
}

/// Native bytes of a numeric attribute (integer values keep full 64-bit precision).
func attributeBytes(_ a: NCAttribute) throws -> (count: Int, bytes: [UInt8]) {
    switch a.value {
    case .ints(let v) where a.type.isInteger:
        // Exact conversions only: a value that does not fit the attribute's type is an error, not a wrap-around.
        func pack<T: FixedWidthInteger>(_: T.Type) throws -> [UInt8] {
            try v.map { x -> T in
                guard let t = T(exactly: x) else { throw EncodeFailure(value: Double(x), type: a.type) }
                return t
            }.withUnsafeBytes { [UInt8]($0) }
        }
        switch a.type {
        case .byte: return (v.count, try pack(Int8.self))
        case .ubyte: return (v.count, try pack(UInt8.self))
        case .short: return (v.count, try pack(Int16.self))
        case .ushort: return (v.count, try pack(UInt16.self))
        case .int: return (v.count, try pack(Int32.self))
        case .uint: return (v.count, try pack(UInt32.self))
        case .int64: return (v.count, try pack(Int64.self))
        // uint64 values are held bit-cast in Int64 (see AttributeValue).
        default: return (v.count, v.map { UInt64(bitPattern: $0) }.withUnsafeBytes { [UInt8]($0) })
        }
    default:
        guard let numbers = a.value.numbers else { throw EncodeFailure(value: .nan, type: a.type) }
        return (numbers.count, try encodeNative(count: numbers.count, type: a.type, fill: nil, packing: nil) { numbers[$0] })
    }
}
