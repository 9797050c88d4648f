// Where axis ticks go and how their labels read: round steps (1, 2, 2.5, 5 x 10^k) on linear axes, decades on log
// axes, and whole-degree steps with N/S/E/W labels on latitude and longitude axes.
import Foundation

/// Axis ticks and their labels: round linear steps (1, 2, 2.5, 5 x 10^k), whole decades for log axes, degree ticks
/// with N/S/E/W labels.
public enum Ticks {
    /// Round tick values within [lo, hi], at most about `count` + 1 of them.
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        if hi <= lo { return [lo] }
        let step = niceStep((hi - lo) / Double(max(count, 1)))
        return values(from: lo, to: hi, step: step)
    }

    /// The round step nearest `raw` (by ratio): 1, 2, 2.5 or 5 times a power of ten.
    public static func niceStep(_ raw: Double) -> Double {
        let p = pow(10, floor(log10(raw)))
        return [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * p }.min { abs(log($0 / raw)) < abs(log($1 / raw)) }!
    }

    static func values(from lo: Double, to hi: Double, step: Double) -> [Double] {
        var out = [Double]()
        var k = (lo / step - 1e-9).rounded(.up)
        while k * step <= hi + step * 1e-9 {
            // k * step carries binary noise (0.6000000000000001); 12 significant digits remove it.
            let v = Double(String(format: "%.12g", k * step))!
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        return out
    }

    /// Powers of ten within [lo, hi] (lo > 0).
    public static func decades(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi >= lo else { return [] }
        return Array(Int(floor(log10(lo) + 1e-9))...Int(ceil(log10(hi) - 1e-9))).map { pow(10, Double($0)) }.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) }
    }

    /// Degree ticks within [lo, hi] on a latitude or longitude axis: steps that divide 90 or 360 evenly.
    public static func degrees(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(max(count, 1))
        let steps = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 15, 20, 30, 45, 60, 90]
        return values(from: lo, to: hi, step: steps.first { $0 >= raw } ?? 90)
    }

    /// "30°N", "0°", "45°S".
    public static func latitudeLabel(_ v: Double) -> String {
        let a = number(abs(v))
        return abs(v) < 1e-9 ? "0°" : "\(a)°\(v > 0 ? "N" : "S")"
    }

    /// "30°E", "150°W", "180°", "0°": any longitude (0..360 or -180..180) is labelled within (-180, 180].
    public static func longitudeLabel(_ v: Double) -> String {
        var w = v.truncatingRemainder(dividingBy: 360)
        if w > 180 + 1e-9 { w -= 360 } else if w <= -180 + 1e-9 { w += 360 }
        if abs(w) < 1e-9 || abs(abs(w) - 180) < 1e-9 { return "\(number(abs(w)))°" }
        return "\(number(abs(w)))°\(w > 0 ? "E" : "W")"
    }

    /// A tick value written as short as it stays exact: 0.25, 10, 1e+05, 2.5e-04.
    public static func number(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.3g", v).replacingOccurrences(of: "e+0", with: "e+").replacingOccurrences(of: "e-0", with: "e-") }
        var s = String(format: "%.4f", v)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Labels for ticks of one axis with the same number of decimals (0.0, 0.5, 1.0 rather than 0, 0.5, 1).
    public static func labels(_ ticks: [Double]) -> [String] {
        let plain = ticks.map(number)
        let decimals = plain.map { s -> Int in
            guard !s.contains("e"), let dot = s.firstIndex(of: ".") else { return 0 }
            return s.distance(from: dot, to: s.endIndex) - 1
        }.max() ?? 0
        guard decimals > 0, !plain.contains(where: { $0.contains("e") }) else { return plain }
        return ticks.map { String(format: "%.\(decimals)f", $0) }
    }
}
