// A downscaling model meeting data made elsewhere (apply and evaluate): units converted to the model's, rows and
// columns put in the model's latitude order and longitude convention (results go back to the input's), a grid of
// another spacing or, for climatology models, another extent refused with one line, and the coarse channels'
// statistics gathered as steps go through and compared with training at the end.
import Foundation
import GridTensor
import GridIO

final class DownscaleAdaptation {
    /// The input's units to the model's (identity when they agree or either is unknown).
    let units: LinearUnitChange
    /// Per predictor, its units to the model's.
    let predictorUnits: [LinearUnitChange]
    /// The input grid (coarse when applying, fine when evaluating) in the model's order.
    let permutation: GridPermutation
    private(set) var check = ContractCheck()
    private var moments: [ChannelMoments]
    private let trained: [(name: String, mean: Double, std: Double)]

    /// `input`: the coarse input (apply) or the fine truth (evaluate: `fine` true).
    init(spec: DownscaleSpec, input ds: GridDataset, predictors: [GridDataset], fine: Bool) throws {
        let contract = spec.dataContract
        var notes = [String]()
        units = try DownscaleAdaptation.conversion(ds, to: spec.units, what: "'\(ds.name)'", notes: &notes)
        if !units.isIdentity { notes.append(fine ? "scores are in the model's \(units.to)" : "the output is written back in the input's \(units.from)") }
        let trainedPredictors = contract?.variables.filter { $0.role == "predictor" }
        predictorUnits = try predictors.enumerated().map { k, p in
            guard let t = trainedPredictors, k < t.count else { return LinearUnitChange(from: "", to: "", scale: 1, offset: 0) }
            return try DownscaleAdaptation.conversion(p, to: t[k].units.isEmpty ? nil : t[k].units, what: "predictor '\(p.name)'", notes: &notes)
        }
        let factor = fine ? 1 : spec.factor
        var perm = GridPermutation(rows: Array(0..<ds.height), cols: Array(0..<ds.width))
        if contract == nil {
            check.skipped.append("the checkpoint has no data contract (trained before contracts): latitude order, longitude convention, spacing and input statistics are not checked")
        } else if let g = contract?.grid, let a = DownscaleContract.latLonGrid(ds) {
            try DownscaleAdaptation.checkSpacing(a, g, factor: factor, label: ds.label)
            let plan = try GridAdaptation.plan(input: a, contract: g, spacing: nil, regrid: false)
            perm = try GridPermutation(plan)
            notes += plan.notes.map { $0 + (fine ? "" : " (the output is written back on the input's grid and order)") }
            if spec.useClimatology { try DownscaleAdaptation.checkExtent(plan.model, g, factor: factor, label: ds.label) }
        } else if contract?.grid != nil {
            check.skipped.append("\(ds.label): no 1-D latitude/longitude coordinates: latitude order, longitude convention and spacing are not checked")
        }
        permutation = perm
        check.adaptations = notes
        let names = [ds.name] + predictors.map(\.name)
        moments = Array(repeating: ChannelMoments(), count: names.count)
        trained = (contract?.channels ?? []).map { ($0.name, $0.mean, $0.std) }
        if contract != nil && !fine && ds.name != spec.variable { check.skipped.append("input statistics: '\(ds.name)' is not the model's '\(spec.variable)'") }
    }

    /// The conversion of `ds`'s units to `target`; refuses units of another quantity.
    static func conversion(_ ds: GridDataset, to target: String?, what: String, notes: inout [String]) throws -> LinearUnitChange {
        let none = LinearUnitChange(from: ds.units ?? "", to: target ?? "", scale: 1, offset: 0)
        guard let u = ds.units, let t = target, u != t else { return none }
        guard let c = LinearUnitChange.between(u, t) else {
            throw TaskError("\(ds.label): \(what) is in \(u) but the model was trained on \(t), and \(u) cannot be converted to \(t)")
        }
        if !c.isIdentity { notes.append("\(what): \(u) converted to the model's \(t)") }
        return c
    }

    /// Refuses a grid whose spacing is not the training grid's (times `factor` for a coarse input).
    static func checkSpacing(_ a: LatLonGrid, _ g: ContractGrid, factor: Int, label: String) throws {
        let tol = GridAdaptation.spacingTolerance
        let want = (g.latitudeSpacing * Double(factor), g.longitudeSpacing * Double(factor))
        let have = (a.meanLatitudeSpacing, a.meanLongitudeSpacing)
        guard abs(have.0 / want.0 - 1) > tol || abs(have.1 / want.1 - 1) > tol else { return }
        let what = factor > 1 ? String(format: "the model was trained to turn %.3g x %.3g deg into %.3g x %.3g deg (factor %d)", want.0, want.1,
                                       g.latitudeSpacing, g.longitudeSpacing, factor)
                              : String(format: "the model's fine grid is %.3g x %.3g deg", want.0, want.1)
        throw TaskError(String(format: "%@: grid spacing %.3g x %.3g deg, but %@; regrid the input to %.3g x %.3g deg first (e.g. cdo remapcon) or train a model for this spacing",
                               label, have.0, have.1, what, want.0, want.1))
    }

    /// Refuses (for a model tied to its training climatology) an input that does not cover the training grid.
    static func checkExtent(_ m: LatLonGrid, _ g: ContractGrid, factor: Int, label: String) throws {
        let lat = factor > 1 ? FineGrid.refine(m.lat, factor: factor) : m.lat
        let lon = factor > 1 && !m.periodic ? FineGrid.refine(m.lon, factor: factor) : m.lon
        let latOK = abs(lat.min()! - g.latitudeRange[0]) < 0.5 * g.latitudeSpacing && abs(lat.max()! - g.latitudeRange[1]) < 0.5 * g.latitudeSpacing
        let lonOK = m.periodic ? g.global
            : abs(LatLonGrid.lonDifference(lon.min()!, g.longitudeRange[0])) < 0.5 * g.longitudeSpacing
              && abs(LatLonGrid.lonDifference(lon.max()!, g.longitudeRange[1])) < 0.5 * g.longitudeSpacing
        guard !(latOK && lonOK) else { return }
        throw TaskError(String(format: "%@: covers latitudes %.4g..%.4g, longitudes %.4g..%.4g, but the model corrects its training climatology on latitudes %.4g..%.4g, longitudes %.4g..%.4g (fine grid); it applies only there (a model trained with --no-climatology applies anywhere at this spacing)",
                               label, lat.min()!, lat.max()!, lon.min()!, lon.max()!, g.latitudeRange[0], g.latitudeRange[1], g.longitudeRange[0], g.longitudeRange[1]))
    }

    /// A coarse field [..., h, w] of the input (channel 0) or predictor `p` (channel 1 + p) in model units and order;
    /// counted in the statistics when `observe`.
    /// `permutation`: another grid's (a paired coarse file when evaluating).
    func toModel(_ x: Tensor, channel: Int = 0, observe: Bool = true, permutation other: GridPermutation? = nil) -> Tensor {
        let c = channel == 0 ? units : predictorUnits[channel - 1]
        let converted = c.isIdentity ? x : Tensor(shape: x.shape, scalars: c.apply(x.contiguous().scalars))
        if observe { self.observe(converted, channel: channel) }
        return (other ?? permutation).toModel(converted)
    }

    /// Counts coarse values (model units) of channel 0 (the target) or 1 + p (predictor p) in the statistics.
    func observe(_ x: Tensor, channel: Int) {
        if channel < moments.count { moments[channel].add(x.contiguous().scalars) }
    }

    /// The coarse grid's permutation of a fine-grid one (for a coarse field without coordinates of its own).
    func coarsePermutation(factor: Int) -> GridPermutation {
        GridPermutation(rows: Swift.stride(from: 0, to: permutation.rows.count, by: factor).map { permutation.rows[$0] / factor },
                        cols: Swift.stride(from: 0, to: permutation.cols.count, by: factor).map { permutation.cols[$0] / factor })
    }

    /// The statistics compared with training, with everything adapted and skipped.
    func finish() -> ContractCheck {
        var c = check
        guard !trained.isEmpty else { return c }
        let names = trained.map(\.name)
        c.compare(zip(names, moments).map { ($0, $1) }, trained: trained)
        return c
    }
}
