// Detection's data contract: made at training (variables in threshold units with their CF standard names, the
// training grid, each channel's statistics) and checked when a detector is applied: units were already converted by
// DetectInput, a variable whose standard name says it is something else is refused, and the grid is brought onto
// the model's latitude order, longitude convention and spacing (GridAdaptation), the mask mapped back. Channel
// statistics of the input are compared with training at the end (ContractCheck).
import Foundation
import GridTensor
import GridIO

extension FieldRole {
    /// The CF standard name the role's thresholds and the networks assume.
    var standardName: String {
        switch self {
        case .psl: return "air_pressure_at_mean_sea_level"
        case .u850: return "eastward_wind"
        case .v850: return "northward_wind"
        case .iwv: return "atmosphere_mass_content_of_water_vapor"
        case .t500: return "air_temperature"
        }
    }

    /// Standard names that are the same quantity for detection (other spellings, grid-relative winds).
    var acceptedStandardNames: Set<String> {
        switch self {
        case .psl: return [standardName, "air_pressure_at_sea_level"]
        case .u850: return [standardName, "x_wind"]
        case .v850: return [standardName, "y_wind"]
        case .iwv: return [standardName, "lwe_thickness_of_atmosphere_mass_content_of_water_vapor", "precipitable_water"]
        case .t500: return [standardName]
        }
    }
}

enum DetectContract {
    /// The contract of a detector trained on `steps` (channels measured on the training steps `rows`).
    static func make(input: DetectInput, steps: [DetectStep], rows: [Int], channels: [ChannelNorm],
                     latitudeChannel: Bool) -> DataContract {
        let roles = FieldRole.allCases.filter { r in channels.contains { $0.role == r } || (r == .v850 && channels.contains { $0.transform == .cyclonicVorticity }) }
        let variables = roles.map { ContractVariable(role: $0.rawValue, name: input.names[$0] ?? $0.rawValue, units: $0.units, standardName: $0.standardName) }
        let stats = channels.map { ch in ChannelStatistics.measure(ch.label, rows.map { ch.values(steps[$0].fields, grid: input.grid) }) }
        var prep = ["variables converted to \(roles.map { "\($0.rawValue) \($0.units)" }.joined(separator: ", ")) before anything else",
                    "channels: \(channels.map(\.label).joined(separator: ", ")); zonal anomalies subtract each row's median; standardised with the training mean and std"]
        if latitudeChannel { prep.append("a last channel sin(latitude)") }
        prep.append("global grids wrap in longitude (periodic halo)")
        return DataContract(variables: variables, grid: ContractGrid(input.grid), channels: stats, preprocessing: prep)
    }

    /// Refuses an input variable whose CF standard name says it is another quantity than the model's.
    static func checkStandardNames(_ input: DetectInput, roles: Set<FieldRole>) throws {
        for role in FieldRole.allCases where roles.contains(role) {
            guard let name = input.names[role], let v = try? input.file.variable(name), let sn = v.text("standard_name") else { continue }
            if !role.acceptedStandardNames.contains(sn) {
                throw TaskError("\(input.path): '\(name)' is \(sn) (standard_name) but the model's \(role.rawValue) input is \(role.standardName); give the right variable with \(role.option)")
            }
        }
    }
}

/// A detector applied to one input: the contract checked, the grid adapted (unless native), the input's channel
/// statistics gathered as steps go through, and the mask of each step on the input grid.
final class DetectSession {
    let detector: Detector
    let adaptation: GridAdaptation?
    private var check = ContractCheck()
    private var moments: [ChannelMoments]

    /// `native`: run on the input grid as it is (today's behaviour before contracts), only warning about spacing.
    init(detector: Detector, input: DetectInput, native: Bool) throws {
        self.detector = detector
        let spec = detector.spec
        moments = Array(repeating: ChannelMoments(), count: spec.channels.count)
        try DetectContract.checkStandardNames(input, roles: Set(spec.channels.map(\.role)))
        check.adaptations += input.notes
        let contract = spec.dataContract
        if contract == nil {
            check.skipped.append("the checkpoint has no data contract (made before contracts): latitude order, longitude convention and quantiles are not checked; spacing and channel means come from its record")
        }
        if native {
            adaptation = nil
            check.skipped.append("--native: the input grid is used as it is (no reordering, wrapping or regridding)")
            let spacing = input.grid.meanLatitudeSpacing
            if abs(spacing - spec.gridSpacing) > 0.25 * spec.gridSpacing {
                check.warnings.append(String(format: "grid spacing %.2f deg differs from the training grid's %.2f deg; events will look larger or smaller to the model", spacing, spec.gridSpacing))
            }
        } else {
            let plan = try GridAdaptation.plan(input: input.grid, contract: contract?.grid, spacing: contract?.grid?.latitudeSpacing ?? spec.gridSpacing)
            adaptation = plan.isIdentity ? nil : plan
            check.adaptations += plan.notes
        }
    }

    /// The grid the network runs on.
    func modelGrid(_ input: LatLonGrid) -> LatLonGrid { adaptation?.model ?? input }

    /// The class mask of one step on the input grid. Cyclone regions are checked for a warm core on the input
    /// grid (with the input's own fields), after the mask is mapped back.
    func mask(_ step: DetectStep, grid: LatLonGrid, warmCoreCheck: Bool = true) -> [Int8] {
        var fields = step.fields
        let g = adaptation?.model ?? grid
        if let a = adaptation { for (k, v) in fields { fields[k] = a.toModel(v) } }
        let x = detector.spec.input(fields, grid: g) { c, values in self.moments[c].add(values) }
        var m = detector.networkMask(x, grid: g)
        if let a = adaptation { m = a.toInput(m) }
        if warmCoreCheck, let t = step.fields[.t500], let p = step.fields[.psl] {
            Detector.clearColdCores(&m, psl: p, t500: t, grid: grid, options: detector.spec.labeller)
        }
        return m
    }

    /// What was adapted, skipped and warned about, with the input's channel statistics compared with training.
    func finish() -> ContractCheck {
        var c = check
        let spec = detector.spec
        let trained: [(name: String, mean: Double, std: Double)] = spec.channels.map { ch in
            if let s = spec.dataContract?.channels.first(where: { $0.name == ch.label }) { return (ch.label, s.mean, s.std) }
            return (ch.label, Double(ch.mean), Double(ch.std))
        }
        c.compare(zip(spec.channels, moments).map { ($0.label, $1) }, trained: trained)
        return c
    }
}

extension DetectContract {
    /// The contract of an existing detector, measured on the file it was trained on (its training steps).
    static func record(_ spec: DetectSpec, trainingFile: String) throws -> DataContract {
        var names = DetectVariableNames()
        for ch in spec.channels { names[ch.role] = ch.variable }
        let input = try DetectInput(path: trainingFile, names: names, required: Set(spec.channels.map(\.role)), optional: [])
        let steps = try input.readAll()
        guard spec.trainingSteps.allSatisfy({ $0 < steps.count }) else {
            throw TaskError("\(trainingFile): \(steps.count) steps, but the model was trained on steps up to \(spec.trainingSteps.max() ?? 0): not its training file")
        }
        let spacing = input.grid.meanLatitudeSpacing
        guard abs(abs(input.grid.lat[1] - input.grid.lat[0]) - spec.gridSpacing) < 0.05 * spec.gridSpacing || abs(spacing - spec.gridSpacing) < 0.05 * spec.gridSpacing else {
            throw TaskError("\(trainingFile): grid spacing \(String(format: "%.3g", spacing)) deg, but the model was trained at \(String(format: "%.3g", spec.gridSpacing)) deg: not its training file")
        }
        return make(input: input, steps: steps, rows: spec.trainingSteps, channels: spec.channels, latitudeChannel: spec.latitudeChannel)
    }
}
