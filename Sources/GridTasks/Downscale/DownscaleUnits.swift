// Linear unit conversions a downscaling model accepts on its inputs: the same quantity in another unit (K and
// degrees Celsius, Pa and hPa, precipitation flux per second and per day, m s-1 and km h-1 or knots). Anything
// else is a different quantity and is refused by the caller with one line.
import Foundation

/// value_in_b = (value_in_a * scale) + offset.
public struct LinearUnitChange: Equatable, Sendable {
    /// The units converted from and to, as written in the files.
    public var from: String
    /// The units converted to.
    public var to: String
    /// Factor of the linear map.
    public var scale: Double
    /// Offset of the linear map, in the target units (e.g. -273.15 from K to degC).
    public var offset: Double
    /// True when nothing changes (same units, or one of them unknown).
    public var isIdentity: Bool { scale == 1 && offset == 0 }

    /// `x` converted.
    public func apply(_ x: [Float]) -> [Float] {
        if isIdentity { return x }
        let s = Float(scale), o = Float(offset)
        return x.map { $0 * s + o }
    }

    /// The conversion back (b to a).
    public var inverse: LinearUnitChange { LinearUnitChange(from: to, to: from, scale: 1 / scale, offset: -offset / scale) }

    /// Each family's units as (spellings, factor to the family's base unit, offset after the factor).
    static let families: [[(names: [String], scale: Double, offset: Double)]] = [
        [(["K", "kelvin", "degK", "degrees_K"], 1, 0),
         (["degC", "deg_C", "degrees_C", "degree_C", "degrees_Celsius", "celsius", "C", "°C"], 1, 273.15),
         (["degF", "deg_F", "degrees_F", "fahrenheit", "°F"], 5.0 / 9.0, 273.15 - 32 * 5.0 / 9.0)],
        [(["Pa", "pascal"], 1, 0), (["hPa", "mbar", "mb", "millibar"], 100, 0), (["kPa"], 1000, 0)],
        [(["kg m-2 s-1", "kg/m2/s", "kg m**-2 s**-1", "mm s-1", "mm/s"], 1, 0),
         (["mm day-1", "mm d-1", "mm/day", "mm/d", "kg m-2 day-1", "kg m-2 d-1"], 1.0 / 86400, 0),
         (["mm h-1", "mm hr-1", "mm/h", "mm/hr"], 1.0 / 3600, 0)],
        [(["m s-1", "m/s", "m s**-1"], 1, 0), (["km h-1", "km/h"], 1 / 3.6, 0), (["knots", "knot", "kt", "kts"], 1852.0 / 3600, 0)],
    ]

    /// The conversion from `a` to `b`, nil when they are not the same quantity in the table (or unknown).
    public static func between(_ a: String, _ b: String) -> LinearUnitChange? {
        let norm = { (s: String) in s.trimmingCharacters(in: .whitespaces).split(separator: " ").joined(separator: " ") }
        let (na, nb) = (norm(a), norm(b))
        if na == nb { return LinearUnitChange(from: a, to: b, scale: 1, offset: 0) }
        for family in families {
            guard let ua = family.first(where: { $0.names.contains(na) }), let ub = family.first(where: { $0.names.contains(nb) }) else { continue }
            // base = x * sa + oa; y = (base - ob) / sb
            return LinearUnitChange(from: a, to: b, scale: ua.scale / ub.scale, offset: (ua.offset - ub.offset) / ub.scale)
        }
        return nil
    }
}
