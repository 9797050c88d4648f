// CF/NUG decoding of raw values: masking (_FillValue, missing_value, valid_range/valid_min/valid_max) and unpacking
// (scale_factor, add_offset). Masks compare against the raw packed value, as the conventions require.

/// How a variable's raw values turn into physical values: mask first, then `raw * scaleFactor + addOffset`.
public struct CFPacking: Equatable, Sendable {
    public var scaleFactor: Double?
    public var addOffset: Double?
    /// Raw values that mean "missing" (_FillValue, missing_value), rounded to the variable's precision.
    public var missingValues: [Double]
    public var validMin: Double?
    public var validMax: Double?
    /// True when valid_* is given in unpacked units (its type differs from the packed type of a packed variable).
    public var validRangeIsUnpacked: Bool
    /// True for integer variables marked `_Unsigned = "true"` (the NetCDF-3 way of storing unsigned data).
    public var isUnsigned: Bool

    /// Nothing to mask or unpack.
    public var isIdentity: Bool {
        scaleFactor == nil && addOffset == nil && missingValues.isEmpty && validMin == nil && validMax == nil
    }

    /// The decoding the attributes of `variable` describe.
    public init(variable v: NCVariable) {
        isUnsigned = v.type.isInteger && v.text("_Unsigned")?.lowercased() == "true"
        scaleFactor = v.attribute("scale_factor")?.number
        addOffset = v.attribute("add_offset")?.number
        let packed = scaleFactor != nil || addOffset != nil
        let bits = v.type.size * 8
        let unsigned = isUnsigned
        let rawType = v.type
        // Attribute values are converted the way the raw data is, so equality tests are exact.
        func toRaw(_ x: Double) -> Double {
            var x = x
            if unsigned, x < 0, bits < 64 { x += Double(UInt64(1) << UInt64(bits)) }
            return rawType == .float ? Double(Float(x)) : x
        }
        var missing: [Double] = []
        if let fill = v.attribute("_FillValue")?.numbers?.first {
            missing.append(toRaw(fill))
        } else if let fill = CFPacking.defaultFill(v.type), !unsigned {
            // Like netCDF4-python, never-written values (the library's default fill) count as missing.
            missing.append(fill)
        }
        for m in v.attribute("missing_value")?.numbers ?? [] where !missing.contains(toRaw(m)) {
            missing.append(toRaw(m))
        }
        missingValues = missing.filter { !$0.isNaN }  // NaN never compares equal; NaN raw values are masked anyway

        let rangeAttribute = v.attributes.first { $0.name == "valid_range" }
        let minAttribute = v.attributes.first { $0.name == "valid_min" }
        let maxAttribute = v.attributes.first { $0.name == "valid_max" }
        var lo = minAttribute?.value.number, hi = maxAttribute?.value.number
        if let r = rangeAttribute?.value.numbers, r.count >= 2 { lo = r[0]; hi = r[1] }
        let rangeType = (rangeAttribute ?? minAttribute ?? maxAttribute)?.type
        validRangeIsUnpacked = packed && rangeType != nil && rangeType != v.type
        if validRangeIsUnpacked {
            validMin = lo
            validMax = hi
        } else {
            validMin = lo.map(toRaw)
            validMax = hi.map(toRaw)
        }
    }

    /// Pure unpacking, no masks (used by the writer to pack).
    init(scaleFactor: Double?, addOffset: Double?) {
        self.scaleFactor = scaleFactor
        self.addOffset = addOffset
        missingValues = []
        validRangeIsUnpacked = false
        isUnsigned = false
    }

    /// The library's default fill value of a type; bytes have none (NUG: every byte value may be valid).
    static func defaultFill(_ type: NCType) -> Double? {
        switch type {
        case .short: return -32767
        case .int: return -2147483647
        case .float: return Double(Float(9.9692099683868690e+36))
        case .double: return 9.9692099683868690e+36
        case .ushort: return 65535
        case .uint: return 4294967295
        case .int64: return Double(Int64(-9223372036854775806))
        case .uint64: return Double(UInt64(18446744073709551614))
        default: return nil
        }
    }

    /// The physical value of one raw value, or NaN when it is masked.
    @inline(__always)
    public func decode(_ raw: Double) -> Double {
        if raw.isNaN { return .nan }
        for m in missingValues where raw == m { return .nan }
        if !validRangeIsUnpacked {
            if let lo = validMin, raw < lo { return .nan }
            if let hi = validMax, raw > hi { return .nan }
        }
        var value = raw
        if let s = scaleFactor { value *= s }
        if let o = addOffset { value += o }
        if validRangeIsUnpacked {
            if let lo = validMin, value < lo { return .nan }
            if let hi = validMax, value > hi { return .nan }
        }
        return value
    }

    /// The raw value that stores a physical value (the inverse of `decode`, before rounding to the packed type).
    public func encode(_ value: Double) -> Double {
        var raw = value
        if let o = addOffset { raw -= o }
        if let s = scaleFactor, s != 0 { raw /= s }
        return raw
    }
}

/// A native element type as libnetcdf delivers it.
protocol NCNative { var doubleValue: Double { get } }
extension Int8: NCNative { var doubleValue: Double { Double(self) } }
extension UInt8: NCNative { var doubleValue: Double { Double(self) } }
extension Int16: NCNative { var doubleValue: Double { Double(self) } }
extension UInt16: NCNative { var doubleValue: Double { Double(self) } }
extension Int32: NCNative { var doubleValue: Double { Double(self) } }
extension UInt32: NCNative { var doubleValue: Double { Double(self) } }
extension Int64: NCNative { var doubleValue: Double { Double(self) } }
extension UInt64: NCNative { var doubleValue: Double { Double(self) } }
extension Float: NCNative { var doubleValue: Double { Double(self) } }
extension Double: NCNative { var doubleValue: Double { self } }

/// Converts raw values to Float or Double, decoding when `packing` is given.
func decodeValues<T: NCNative, Out: BinaryFloatingPoint>(_ src: UnsafeBufferPointer<T>, into dst: UnsafeMutableBufferPointer<Out>,
                                                         packing: CFPacking?) {
    if let p = packing, !p.isIdentity {
        for i in 0..<src.count { dst[i] = Out(p.decode(src[i].doubleValue)) }
    } else {
        for i in 0..<src.count { dst[i] = Out(src[i].doubleValue) }
    }
}
