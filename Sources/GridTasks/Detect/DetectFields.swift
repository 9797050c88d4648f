// The fields event detection reads: sea-level pressure, 850 hPa winds, column water vapour and (optional) 500 hPa
// temperature, found by name (given, or the usual CESM/CMIP/ERA names), checked to share one lat/lon grid, and
// converted to the units the thresholds use (Pa, m s-1, kg m-2, K) from their units attribute or, without one,
// their magnitude. What cannot be sea-level pressure or water vapour is refused instead of silently mis-labelled.
import Foundation
import GridTensor
import GridIO

/// What a variable is to the detector.
/// The CLI's `--psl/--u/--v/--iwv/--t` options name a variable per role.
public enum FieldRole: String, Codable, CaseIterable, Sendable {
    case psl, u850, v850, iwv, t500

    /// Names tried, in order, when the user names none.
    var candidates: [String] {
        switch self {
        case .psl: return ["PSL", "psl", "slp", "SLP", "msl", "MSL", "prmsl", "mslp"]
        case .u850: return ["U850", "u850", "ua850", "UA850", "u", "U"]
        case .v850: return ["V850", "v850", "va850", "VA850", "v", "V"]
        case .iwv: return ["TMQ", "tmq", "IWV", "iwv", "prw", "PRW", "tcwv", "TCWV", "pwat", "PWAT", "tpw", "TPW"]
        case .t500: return ["T500", "t500", "ta500", "TA500"]
        }
    }
    var option: String { ["psl": "--psl", "u850": "--u", "v850": "--v", "iwv": "--iwv", "t500": "--t"][rawValue]! }
    var what: String {
        switch self {
        case .psl: return "sea-level pressure"
        case .u850: return "850 hPa eastward wind"
        case .v850: return "850 hPa northward wind"
        case .iwv: return "column water vapour"
        case .t500: return "500 hPa temperature"
        }
    }
    /// The unit every threshold is stated in.
    public var units: String { ["psl": "Pa", "u850": "m s-1", "v850": "m s-1", "iwv": "kg m-2", "t500": "K"][rawValue]! }
}

/// Variable names per role, as given by the user (nil: look for the usual names).
public struct DetectVariableNames: Codable, Equatable, Sendable {
    /// Sea-level pressure, 850 hPa eastward and northward wind, column water vapour and 500 hPa temperature.
    public var psl: String?, u850: String?, v850: String?, iwv: String?, t500: String?
    /// Names for the given roles; the others are looked for.
    public init(psl: String? = nil, u850: String? = nil, v850: String? = nil, iwv: String? = nil, t500: String? = nil) {
        self.psl = psl; self.u850 = u850; self.v850 = v850; self.iwv = iwv; self.t500 = t500
    }
    subscript(role: FieldRole) -> String? {
        get {
            switch role {
            case .psl: return psl
            case .u850: return u850
            case .v850: return v850
            case .iwv: return iwv
            case .t500: return t500
            }
        }
        set {
            switch role {
            case .psl: psl = newValue
            case .u850: u850 = newValue
            case .v850: v850 = newValue
            case .iwv: iwv = newValue
            case .t500: t500 = newValue
            }
        }
    }
}

/// A linear conversion to the role's units, found from the units attribute or the values' magnitude.
struct UnitConversion: Codable, Equatable, Sendable {
    var scale: Double = 1
    var offset: Double = 0
    /// What was decided, e.g. "PSL: hPa -> Pa".
    var note: String?
    func apply(_ x: inout [Float]) {
        guard scale != 1 || offset != 0 else { return }
        let s = Float(scale), o = Float(offset)
        for k in x.indices { x[k] = x[k] * s + o }
    }
}

/// One time step of every resolved field, in threshold units, row-major [H*W].
struct DetectStep {
    var index: Int
    var time: Double?
    var date: CFDate?
    var fields: [FieldRole: [Float]]
}

/// Opens a file for detection: resolves variables, the grid and unit conversions, then streams time steps.
final class DetectInput {
    let path: String
    let file: NetCDFFile
    let grid: LatLonGrid
    /// Resolved variable name per role present.
    let names: [FieldRole: String]
    let conversions: [FieldRole: UnitConversion]
    let steps: Int
    /// The data variable whose time axis and coordinates outputs copy.
    let reference: String
    let timeDimension: String?
    let times: [Double]?
    private var readers: [FieldRole: TimeStepReader] = [:]

    /// `required` roles must resolve (an error names what was looked for); the others are used when present.
    init(path: String, names given: DetectVariableNames, required: Set<FieldRole>, optional: Set<FieldRole>) throws {
        self.path = path
        file = try NetCDFFile(path: path)
        let available = FieldLoader.dataVariables(file).map(\.name)
        var names = [FieldRole: String]()
        for role in FieldRole.allCases where required.contains(role) || optional.contains(role) {
            if let n = given[role] {
                guard file.hasVariable(n) else { throw GridIOError.variableNotFound(name: n, available: available, path: path) }
                names[role] = n
            } else if let n = role.candidates.first(where: { c in available.contains(c) }) {
                names[role] = n
            } else if required.contains(role) {
                throw TaskError("\(path): no \(role.what) variable (looked for \(role.candidates.prefix(6).joined(separator: ", ")); name it with \(role.option)) (variables: \(available.joined(separator: ", ")))")
            }
        }
        guard let first = FieldRole.allCases.first(where: { names[$0] != nil }), let ref = names[first] else {
            throw TaskError("\(path): no variables to detect events in")
        }
        self.names = names
        reference = ref
        grid = try LatLonGrid.of(file, variable: ref)
        let header = try FieldLoader.load(path, variable: ref, readData: false)
        steps = header.steps
        timeDimension = header.timeDimension
        times = header.times
        var conversions = [FieldRole: UnitConversion]()
        for (role, name) in names {
            let g = try LatLonGrid.of(file, variable: name)
            guard g.lat == grid.lat, g.lon == grid.lon else {
                throw TaskError("\(path): '\(name)' is on another grid than '\(ref)' (\(g.height)x\(g.width) vs \(grid.height)x\(grid.width))")
            }
            let h = try FieldLoader.load(path, variable: name, readData: false)
            guard h.steps == steps else { throw TaskError("\(path): '\(name)' has \(h.steps) time steps but '\(ref)' has \(steps)") }
            let reader = try file.timeSteps(of: name)
            guard let sample = try reader.next() else { throw TaskError("\(path): '\(name)' has no time steps") }
            reader.reset()
            readers[role] = reader
            conversions[role] = try DetectInput.conversion(role, name: name, units: try file.variable(name).text("units"),
                                                           sample: sample.data.scalars, path: path)
        }
        self.conversions = conversions
    }

    /// Notes about unit conversions made, for stderr.
    var notes: [String] { FieldRole.allCases.compactMap { conversions[$0]?.note } }

    /// The next time step, or nil after the last.
    func next() throws -> DetectStep? {
        var fields = [FieldRole: [Float]]()
        var index = -1
        var date: CFDate?
        for role in FieldRole.allCases {
            guard let reader = readers[role] else { continue }
            guard let s = try reader.next() else { return nil }
            guard s.data.count == grid.height * grid.width else {
                throw TaskError("\(path): '\(names[role]!)' has \(s.data.shape) per time step; expected \(grid.height)x\(grid.width) (one level)")
            }
            var x = s.data.contiguous().scalars
            conversions[role]?.apply(&x)
            fields[role] = x
            index = s.index; date = date ?? s.date
        }
        let time = times.flatMap { index >= 0 && index < $0.count ? $0[index] : nil }
        return DetectStep(index: index, time: time, date: date, fields: fields)
    }

    func reset() { readers.values.forEach { $0.reset() } }

    /// The next `next()` returns step `step`.
    func seek(to step: Int) throws { for r in readers.values { try r.seek(to: r.range.lowerBound + step) } }

    /// Reads every step (for training and evaluation on files that fit in memory).
    func readAll() throws -> [DetectStep] {
        reset()
        var out = [DetectStep]()
        while let s = try next() { out.append(s) }
        reset()
        return out
    }

    /// Decides the conversion of a variable to the role's units from its units attribute, checked by magnitude.
    static func conversion(_ role: FieldRole, name: String, units raw: String?, sample: [Float], path: String) throws -> UnitConversion {
        let valid = sample.filter { $0.isFinite }.sorted()
        guard !valid.isEmpty else { throw TaskError("\(path): '\(name)' has no valid values in its first time step") }
        let median = Double(valid[valid.count / 2]), maxAbs = Double(max(abs(valid.first!), abs(valid.last!)))
        let u = (raw ?? "").lowercased().replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "^", with: "")
        var c = UnitConversion()
        func refuse(_ why: String) -> TaskError {
            TaskError("\(path): '\(name)' does not look like \(role.what) (\(why)); give the right variable with \(role.option)")
        }
        switch role {
        case .psl:
            switch u {
            case "pa", "pascal", "pascals": break
            case "hpa", "mb", "mbar", "millibar", "millibars": c.scale = 100
            case "kpa": c.scale = 1000
            case "": c.scale = median > 500 && median < 1200 ? 100 : 1
            default: throw refuse("units '\(raw!)' are not a pressure unit")
            }
            let m = median * c.scale
            guard m > 85000 && m < 110000 else {
                throw refuse("median \(String(format: "%.6g", median)) \(raw ?? "(no units)") is not a sea-level pressure; surface pressure over mountains is not sea-level pressure")
            }
            if c.scale != 1 { c.note = "\(name): \(raw ?? "no units, values in hPa by magnitude") -> Pa (x\(Int(c.scale)))" }
        case .u850, .v850:
            switch u {
            case "ms-1", "m/s", "meters/second", "metre/second", "meter/second", "mps", "meterssecond-1", "metresecond-1", "msec-1": break
            case "knots", "knot", "kt", "kts": c.scale = 0.514444
            case "km/h", "kmh-1", "kph": c.scale = 1 / 3.6
            case "": break
            default: throw refuse("units '\(raw!)' are not a speed unit")
            }
            guard maxAbs * c.scale < 200 else { throw refuse("|values| up to \(String(format: "%.4g", maxAbs)) m s-1") }
            if c.scale != 1 { c.note = "\(name): \(raw!) -> m s-1" }
        case .iwv:
            switch u {
            case "kgm-2", "kg/m2", "kg/m^2", "kgm2", "mm", "kg.m-2": break
            case "cm": c.scale = 10
            case "m": c.scale = 1000
            case "gm-2", "g/m2": c.scale = 0.001
            case "": c.scale = maxAbs < 0.3 ? 1000 : 1
            default: throw refuse("units '\(raw!)' are not kg m-2 (or mm, cm of water)")
            }
            let top = maxAbs * c.scale
            guard top >= 1 && top <= 150 else { throw refuse("values up to \(String(format: "%.4g", top)) kg m-2; column water vapour is 0-100 kg m-2") }
            if c.scale != 1 { c.note = "\(name): \(raw ?? "no units, values in m by magnitude") -> kg m-2 (x\(c.scale))" }
        case .t500:
            // Magnitude decides (some files label Kelvin values "C"): below 100 means Celsius.
            if median < 100 { c.offset = 273.15; c.note = "\(name): \(raw ?? "no units") values in degrees Celsius -> K" }
            let m = median + c.offset
            guard m > 150 && m < 350 else { throw refuse("median \(String(format: "%.4g", median)) is no air temperature") }
        }
        return c
    }
}
