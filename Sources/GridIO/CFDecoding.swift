// CF/NUG decoding of raw values: masking (_FillValue, missing_value, valid_range/valid_min/valid_max) and unpacking
// (scale_factor, add_offset). Masks compare against the raw packed value, as the conventions require.

/// How a variable's raw values turn into physical values: mask first, then `raw * scaleFactor + addOffset`.
public struct CFPacking: Equatable, Sendable {
    /// The `scale_factor` attribute: physical = raw x scaleFactor + addOffset; nil when absent (1).
    public var scaleFactor: Double?
    /// The `add_offset` attribute, in the variable's physical units; nil when absent (0).
    public var addOffset: Double?
    /// Raw values that mean "missing" (_FillValue, missing_value), rounded to the variable's precision. Integer
    /// variables are masked with the exact `integerMasks`; these fields then only describe them.
    public var missingValues: [Double]
    /// The lower end of the valid range (`valid_min` or `valid_range[0]`); values below it are missing (compared raw,
    /// or unpacked when `validRangeIsUnpacked`).
    public var validMin: Double?
    /// The upper end of the valid range (`valid_max` or `valid_range[1]`); values above it are missing.
    public var validMax: Double?
    /// True when valid_* is given in unpacked units (its type differs from the packed type of a packed variable).
    public var validRangeIsUnpacked: Bool
    /// True for integer variables marked `_Unsigned = "true"` (the NetCDF-3 way of storing unsigned data).
    public var isUnsigned: Bool

    /// Nothing to mask or unpack.
    public var isIdentity: Bool {
        scaleFactor == nil && addOffset == nil && missingValues.isEmpty && validMin == nil && validMax == nil
    }

    /// The raw-unit masks of an integer variable in its own type (Int128 holds every 64-bit value): as Doubles,
    /// neighbouring int64/uint64 values such as UINT64_MAX and the default fill UINT64_MAX-1 compare equal.
    var integerMasks: IntegerMasks?

    /// The decoding the attributes of `variable` describe.
    public init(variable v: NCVariable) {
        isUnsigned = v.type.isInteger && v.text("_Unsigned")?.lowercased() == "true"
        scaleFactor = v.attribute("scale_factor")?.number
        addOffset = v.attribute("add_offset")?.number
        let packed = scaleFactor != nil || addOffset != nil
        func named(_ name: String) -> NCAttribute? { v.attributes.first { $0.name == name } }
        let fillAttribute = named("_FillValue"), missingAttribute = named("missing_value")
        let rangeAttribute = named("valid_range"), minAttribute = named("valid_min"), maxAttribute = named("valid_max")
        // Each bound as (attribute, index of the value in it).
        var lo = minAttribute.map { ($0, 0) }, hi = maxAttribute.map { ($0, 0) }
        if let r = rangeAttribute, (r.value.numbers?.count ?? 0) >= 2 { lo = (r, 0); hi = (r, 1) }
        func number(_ bound: (NCAttribute, Int)?) -> Double? { bound.flatMap { $0.0.value.numbers?[$0.1] } }
        let rangeType = (rangeAttribute ?? minAttribute ?? maxAttribute)?.type
        validRangeIsUnpacked = packed && rangeType != nil && rangeType != v.type

        if v.type.isInteger {
            let domain = IntegerDomain(bits: v.type.size * 8, unsigned: isUnsigned)
            var missing: [Int128] = []
            if let fill = fillAttribute {
                if let f = domain.value(fill, 0) { missing.append(f) }
            } else if let fill = CFPacking.defaultIntegerFill(v.type), !isUnsigned {
                // Like netCDF4-python, never-written values (the library's default fill) count as missing.
                missing.append(fill)
            }
            if let m = missingAttribute {
                for i in 0..<(m.value.numbers?.count ?? 0) {
                    if let x = domain.value(m, i), !missing.contains(x) { missing.append(x) }
                }
            }
            // A non-integral bound rounds inwards: x < 0.5 and x < 1 select the same integers.
            let masks = IntegerMasks(missing: missing,
                                     min: validRangeIsUnpacked ? nil : lo.flatMap { domain.value($0.0, $0.1, rounding: .up) },
                                     max: validRangeIsUnpacked ? nil : hi.flatMap { domain.value($0.0, $0.1, rounding: .down) })
            integerMasks = masks
            missingValues = missing.map(Double.init)
            validMin = validRangeIsUnpacked ? number(lo) : masks.min.map(Double.init)
            validMax = validRangeIsUnpacked ? number(hi) : masks.max.map(Double.init)
            return
        }
        // Floating point: attribute values are rounded to the variable's precision, so equality tests are exact.
        let isFloat = v.type == .float
        func toRaw(_ x: Double) -> Double { isFloat ? Double(Float(x)) : x }
        var missing: [Double] = []
        if let fill = fillAttribute?.value.numbers?.first {
            missing.append(toRaw(fill))
        } else if let fill = CFPacking.defaultFill(v.type) {
            missing.append(fill)
        }
        for m in missingAttribute?.value.numbers ?? [] where !missing.contains(toRaw(m)) {
            missing.append(toRaw(m))
        }
        missingValues = missing.filter { !$0.isNaN }  // NaN never compares equal; NaN raw values are masked anyway
        validMin = validRangeIsUnpacked ? number(lo) : number(lo).map(toRaw)
        validMax = validRangeIsUnpacked ? number(hi) : number(hi).map(toRaw)
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
        case .float: return Double(Float(9.9692099683868690e+36))
        case .double: return 9.9692099683868690e+36
        default: return defaultIntegerFill(type).map(Double.init)
        }
    }

    /// The default fill of an integer type, exactly.
    static func defaultIntegerFill(_ type: NCType) -> Int128? {
        switch type {
        case .short: return -32767
        case .int: return -2147483647
        case .ushort: return 65535
        case .uint: return 4294967295
        case .int64: return -9223372036854775806
        case .uint64: return 18446744073709551614
        default: return nil
        }
    }

    /// The physical value of one raw floating-point value, or NaN when it is masked (integer raw values go
    /// through `decode(_: T)`, which masks them exactly).
    @inline(__always)
    public func decode(_ raw: Double) -> Double {
        if raw.isNaN { return .nan }
        for m in missingValues where raw == m { return .nan }
        if !validRangeIsUnpacked {
            if let lo = validMin, raw < lo { return .nan }
            if let hi = validMax, raw > hi { return .nan }
        }
        return unpack(raw)
    }

    /// The physical value of one raw value of any native type, or NaN when it is masked.
    @inline(__always)
    func decode<T: NCNative>(_ raw: T) -> Double {
        guard let masks = integerMasks, let x = raw.integerValue else { return decode(raw.doubleValue) }
        if masks.missing.contains(x) { return .nan }
        if let lo = masks.min, x < lo { return .nan }
        if let hi = masks.max, x > hi { return .nan }
        return unpack(raw.doubleValue)
    }

    /// Scale and offset, then the valid range when it is given in unpacked units.
    @inline(__always)
    private func unpack(_ raw: Double) -> Double {
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

/// Masks in an integer variable's raw units.
struct IntegerMasks: Equatable, Sendable {
    var missing: [Int128]
    var min: Int128?
    var max: Int128?
}

/// Attribute numbers as raw values of an integer variable of `bits` bits, exactly.
private struct IntegerDomain {
    let bits: Int
    /// `_Unsigned = "true"` on a signed type: negative attribute values name the unsigned raw values.
    let unsigned: Bool

    /// Value `i` of attribute `a`. Without `rounding`, nil when it is no integer (it can never equal a raw value);
    /// with it, a non-integral value is rounded that way (bounds). uint64 attribute values are held bit-cast.
    func value(_ a: NCAttribute, _ i: Int, rounding: FloatingPointRoundingRule? = nil) -> Int128? {
        var x: Int128
        switch a.value {
        case .ints(let v) where i < v.count:
            x = a.type == .uint64 ? Int128(UInt64(bitPattern: v[i])) : Int128(v[i])
        case .doubles(let v) where i < v.count:
            // Clamped far outside every integer type, so infinite bounds mask all or nothing.
            let d = rounding.map { Swift.min(Swift.max(v[i].rounded($0), -0x1p100), 0x1p100) } ?? v[i]
            guard let exact = Int128(exactly: d) else { return nil }
            x = exact
        default:
            return nil
        }
        if unsigned, x < 0 { x += Int128(1) << bits }
        return x
    }
}

/// A native element type as libnetcdf delivers it.
protocol NCNative {
    var doubleValue: Double { get }
    /// The value exactly, for integer types.
    var integerValue: Int128? { get }
}
extension NCNative where Self: BinaryInteger {
    var doubleValue: Double { Double(self) }
    var integerValue: Int128? { Int128(self) }
}
extension Int8: NCNative {}
extension UInt8: NCNative {}
extension Int16: NCNative {}
extension UInt16: NCNative {}
extension Int32: NCNative {}
extension UInt32: NCNative {}
extension Int64: NCNative {}
extension UInt64: NCNative {}
extension Float: NCNative { var doubleValue: Double { Double(self) }; var integerValue: Int128? { nil } }
extension Double: NCNative { var doubleValue: Double { self }; var integerValue: Int128? { nil } }

/// Converts raw values to Float or Double, decoding when `packing` is given.
func decodeValues<T: NCNative, Out: BinaryFloatingPoint>(_ src: UnsafeBufferPointer<T>, into dst: UnsafeMutableBufferPointer<Out>,
                                                         packing: CFPacking?) {
    if let p = packing, !p.isIdentity {
        for i in 0..<src.count { dst[i] = Out(p.decode(src[i])) }
    } else {
        for i in 0..<src.count { dst[i] = Out(src[i].doubleValue) }
    }
}
