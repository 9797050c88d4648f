// The heuristic (TECA-style) labeller: physically based rules with stated thresholds, the baseline a CNN is scored
// against and the source of its training labels. Class mask per time step: 0 none, 1 tropical cyclone, 2 atmospheric
// river (a point meeting both is a cyclone). The rules themselves are in LabellerTC.swift and LabellerAR.swift.
import Foundation

/// The detection classes, in mask order.
enum EventClass: Int, Codable, CaseIterable, Sendable {
    case none = 0, tropicalCyclone = 1, atmosphericRiver = 2
    var name: String { ["none", "tropical_cyclone", "atmospheric_river"][rawValue] }
    var short: String { ["none", "TC", "AR"][rawValue] }
    static let flagMeanings = "none tropical_cyclone atmospheric_river"
}

/// Every threshold of the labeller, with the defaults used to make the shipped model's training labels.
public struct LabellerOptions: Codable, Equatable, Sendable {
    // Tropical cyclones
    /// Centres only within this distance of the equator (degrees latitude).
    public var tcMaxLatitude = 40.0
    /// The centre is the lowest sea-level pressure within this great-circle radius (degrees).
    public var tcMinimumRadius = 3.0
    /// Cyclonic 850 hPa relative vorticity (positive north, negative south of the equator) within the minimum
    /// radius must reach this (s^-1).
    public var tcVorticity = 3.5e-5
    /// The environment: the annulus between these radii (degrees) around the centre.
    public var tcEnvironmentInner = 6.0
    /// Outer radius of the environment annulus (degrees).
    public var tcEnvironmentOuter = 8.0
    /// Pressure depth: environment mean minus central pressure at least this (hPa) when a warm core is checked...
    public var tcMinimumDepth = 4.0
    /// ...and at least this (hPa) when there is no 500 hPa temperature to check the warm core with.
    public var tcDepthWithoutWarmCore = 8.0
    /// Warm core: mean T500 within `tcCoreRadius` minus the environment mean at least this (K).
    public var tcWarmCore = 1.0
    /// Radius of the warm core's mean T500 (degrees).
    public var tcCoreRadius = 2.0
    /// The labelled region: points connected to the centre, within the environment's outer radius, whose pressure
    /// is below min + fraction x depth...
    public var tcRegionFraction = 0.85
    /// ...or, when set, below min + this many hPa.
    public var tcRegionHPa: Double? = nil

    // Atmospheric rivers
    /// Column water vapour at least this (kg m-2; Ralph et al. 2004: 2 cm)...
    public var arIWV = 20.0
    /// ...and at least this much above the time step's zonal median at that latitude (kg m-2)...
    public var arAnomaly = 8.0
    /// ...and, when above 0, at least this zonal percentile (e.g. 85).
    public var arPercentile = 0.0
    /// Connected regions (8-connectivity unless 4) longer than this (km, great-circle extent of the main axis)...
    public var arMinLength = 2000.0
    /// ...and narrower than this (km, area / length)...
    public var arMaxWidth = 1000.0
    /// ...counting only points at least this far from the equator (degrees latitude).
    public var arMinLatitude = 20.0
    /// Neighbourhood of river regions: 8 (default) or 4.
    public var connectivity = 8

    /// Classes to label.
    public var labelTC = true
    /// Label atmospheric rivers (default true).
    public var labelAR = true

    /// The defaults used for the shipped model's training labels.
    public init() {}

    /// A one-line summary for logs and file attributes.
    public var summary: String {
        var parts = [String]()
        if labelTC {
            parts.append(String(format: "TC: PSL minimum within %g deg, |lat| < %g, cyclonic vort850 >= %.2g s-1, depth >= %g hPa (%g without T500), warm core >= %g K, region min + %@",
                                tcMinimumRadius, tcMaxLatitude, tcVorticity, tcMinimumDepth, tcDepthWithoutWarmCore, tcWarmCore,
                                tcRegionHPa.map { String(format: "%g hPa", $0) } ?? String(format: "%g x depth", tcRegionFraction)))
        }
        if labelAR {
            parts.append(String(format: "AR: IWV >= %g kg m-2 and >= zonal median + %g%@, |lat| >= %g, length > %g km, width < %g km, %d-connected",
                                arIWV, arAnomaly, arPercentile > 0 ? String(format: " and >= zonal p%g", arPercentile) : "",
                                arMinLatitude, arMinLength, arMaxWidth, connectivity))
        }
        return parts.joined(separator: "; ")
    }

    /// Checks that thresholds make sense.
    public func validate() throws {
        func need(_ ok: Bool, _ what: String) throws { if !ok { throw TaskError("labeller option \(what)") } }
        try need(tcMinimumRadius > 0 && tcCoreRadius > 0, "radii must be positive")
        try need(tcEnvironmentInner >= 0 && tcEnvironmentOuter > tcEnvironmentInner, "--tc-environment: the outer radius must exceed the inner one")
        try need(tcRegionFraction > 0 && tcRegionFraction <= 1, "--tc-region-fraction must be in (0, 1]")
        try need(arMinLength > 0 && arMaxWidth > 0, "--ar-min-length and --ar-max-width must be positive")
        try need(arPercentile >= 0 && arPercentile < 100, "--ar-percentile must be in [0, 100)")
        try need(connectivity == 4 || connectivity == 8, "--connectivity must be 4 or 8")
        try need(labelTC || labelAR, "--classes must name tc, ar or both")
    }
}

/// A labelled event as the labeller saw it (its own diagnostics).
struct LabelledEvent: Codable, Equatable, Sendable {
    var eventClass: Int
    var lat: Double
    var lon: Double
    /// TC: central pressure (hPa), depth (hPa), vorticity (s^-1), warm core (K); AR: length, width (km), max IWV.
    var diagnostics: [String: Double]
}

enum Labeller {
    /// Labels one time step. Fields in threshold units (see DetectInput); missing roles skip their class.
    static func label(_ fields: [FieldRole: [Float]], grid: LatLonGrid, options o: LabellerOptions) -> (mask: [Int8], events: [LabelledEvent]) {
        var mask = [Int8](repeating: 0, count: grid.height * grid.width)
        var events = [LabelledEvent]()
        if o.labelAR, let iwv = fields[.iwv] {
            events += labelRivers(iwv, grid: grid, options: o, into: &mask)
        }
        if o.labelTC, let psl = fields[.psl], let u = fields[.u850], let v = fields[.v850] {
            events += labelCyclones(psl: psl, u: u, v: v, t500: fields[.t500], grid: grid, options: o, into: &mask)
        }
        return (mask, events)
    }
}
