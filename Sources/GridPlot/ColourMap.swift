// Colour maps for fields and a palette for lines. Sequential: viridis (perceptually uniform, readable in grey and
// by colour-blind readers) for temperature, pressure, intensity; diverging: ColorBrewer RdBu reversed (blue below,
// red above a white zero) for errors, differences and anomalies; counts: white to dark red so empty cells vanish.
import Foundation

/// The colour scales of map panels: `sequential` (viridis) for magnitudes, `diverging` (blue-white-red, centred on
/// 0) for anomalies and errors, `counts` (white to red) for frequencies.
public enum ColourMap: String, Sendable {
    case sequential, diverging, counts

    /// The colour at t in [0, 1] (clamped).
    public func colour(_ t: Double) -> RGB {
        let stops: [(Double, Double, Double)]
        switch self {
        case .sequential: stops = ColourMap.viridis
        case .diverging: stops = ColourMap.redBlue
        case .counts: stops = ColourMap.whiteRed
        }
        let u = min(max(t.isNaN ? 0 : t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2), f = u - Double(i)
        let a = stops[i], b = stops[i + 1]
        return RGB(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// 0xRRGGBB of `colour(t)`.
    func packed(_ t: Double) -> UInt32 { ColourMap.pack(colour(t)) }

    static func pack(_ c: RGB) -> UInt32 {
        func byte(_ x: Double) -> UInt32 { UInt32(max(0, min(255, (x * 255).rounded()))) }
        return byte(c.r) << 16 | byte(c.g) << 8 | byte(c.b)
    }

    // viridis at t = 0, 0.1, ..., 1.
    static let viridis: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553), (0.164, 0.471, 0.558),
        (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441), (0.478, 0.821, 0.318), (0.741, 0.873, 0.150),
        (0.993, 0.906, 0.144),
    ]
    // ColorBrewer RdBu (11 classes), blue end first.
    static let redBlue: [(Double, Double, Double)] = [
        (0.020, 0.188, 0.380), (0.129, 0.400, 0.675), (0.263, 0.576, 0.765), (0.573, 0.773, 0.871), (0.820, 0.898, 0.941),
        (0.969, 0.969, 0.969), (0.992, 0.859, 0.780), (0.957, 0.647, 0.510), (0.839, 0.376, 0.302), (0.698, 0.094, 0.169),
        (0.404, 0.000, 0.122),
    ]
    // ColorBrewer YlOrRd from white.
    static let whiteRed: [(Double, Double, Double)] = [
        (1.000, 1.000, 1.000), (1.000, 0.929, 0.627), (0.996, 0.851, 0.463), (0.996, 0.698, 0.298), (0.992, 0.553, 0.235),
        (0.988, 0.306, 0.165), (0.890, 0.102, 0.110), (0.741, 0.000, 0.149), (0.502, 0.000, 0.149),
    ]
}

/// Line colours (the Tableau 10 set that matplotlib uses by default), in order.
public enum Palette {
    /// The colours line series take in turn (Tableau 10, matplotlib's default cycle).
    public static let lines: [RGB] = [
        RGB(0.122, 0.467, 0.706), RGB(1.000, 0.498, 0.055), RGB(0.173, 0.627, 0.173), RGB(0.839, 0.153, 0.157),
        RGB(0.580, 0.404, 0.741), RGB(0.549, 0.337, 0.294), RGB(0.890, 0.467, 0.761), RGB(0.498, 0.498, 0.498),
        RGB(0.737, 0.741, 0.133), RGB(0.090, 0.745, 0.812),
    ]
    /// The `k`-th line colour, cycling (any integer, negative too).
    public static func line(_ k: Int) -> RGB { lines[((k % lines.count) + lines.count) % lines.count] }
}
