// Coarse predictor variables besides the target's own coarse field (sea-level pressure, winds, humidity...): each
// a dataset (FILE, glob or @list with :VAR) on the coarse grid, matched to the base dataset's steps by date (a
// predictor archive may cover a longer period; a step it lacks is an error naming the date), interpolated to the
// fine grid like the target and standardised with its training statistics.
import Foundation
import GridTensor
import GridIO

struct DownscalePredictors {
    let datasets: [GridDataset]
    /// Per predictor, the predictor's step for each step of the base dataset.
    let stepMaps: [[Int]]
    /// Applying elsewhere: predictor p's coarse field [n, h, w] in the model's units and order.
    var adapt: ((Int, Tensor) -> Tensor)?

    var count: Int { datasets.count }
    var names: [String] { datasets.map(\.name) }

    /// `base`: the dataset whose steps are used (the truth when training and evaluating, the input when applying);
    /// predictors must lie on the coarse grid `coarseHeight` x `coarseWidth`.
    init(_ specs: [String], base: GridDataset, coarseHeight: Int, coarseWidth: Int, quiet: Bool) throws {
        var datasets = [GridDataset](), maps = [[Int]]()
        for spec in specs {
            let ds = try FieldLoader.dataset([spec], variable: nil, quiet: quiet)
            guard ds.height == coarseHeight, ds.width == coarseWidth else {
                throw TaskError("\(ds.label): predictor '\(ds.name)' is on a \(ds.height)x\(ds.width) grid but the coarse grid is \(coarseHeight)x\(coarseWidth)")
            }
            if let own = ds.dates, let wanted = base.dates {
                var index = [CFDate: Int]()
                for (k, d) in own.enumerated() where index[d] == nil { index[d] = k }
                maps.append(try wanted.map { d in
                    guard let k = index[d] else { throw TaskError("\(ds.label): predictor '\(ds.name)' has no step at \(d), which \(base.label) has") }
                    return k
                })
            } else {
                guard ds.count == base.count else {
                    throw TaskError("\(ds.label): predictor '\(ds.name)' has \(ds.count) steps but \(base.label) has \(base.count) (and no CF times to match them by)")
                }
                maps.append(Array(0..<base.count))
            }
            datasets.append(ds)
        }
        self.datasets = datasets; stepMaps = maps
    }

    /// Checks the predictors against those a model was trained with (same variables, same order).
    func check(against spec: DownscaleSpec) throws {
        let trained = spec.predictorNames ?? []
        guard names == trained else {
            throw TaskError("the model was trained with predictor(s) [\(trained.joined(separator: ", "))], given [\(names.joined(separator: ", "))]; pass --predictor FILE:VAR for each, in that order")
        }
    }

    /// Predictor `p` at base steps `steps`, coarse: [n, h, w].
    func coarse(_ p: Int, steps: [Int]) throws -> Tensor {
        let x = try datasets[p].read(steps: steps.map { stepMaps[p][$0] })
        return adapt.map { $0(p, x) } ?? x
    }

    /// Every predictor at base steps `steps`, interpolated to `height` x `width`.
    func interpolated(steps: [Int], height: Int, width: Int, method: Interpolation) throws -> [Tensor] {
        try (0..<count).map { Regrid.interpolate(try coarse($0, steps: steps), height: height, width: width, method: method) }
    }

    /// Every predictor's coarse window (rows `y`, columns `x`) at base step `t`, interpolated to the fine window.
    func window(step t: Int, y: Range<Int>, x: Range<Int>, factor: Int, method: Interpolation) throws -> [Tensor] {
        try (0..<count).map { p in
            let s = stepMaps[p][t]
            let c = try datasets[p].window(steps: s..<(s + 1), y: y, x: x)
            return Regrid.interpolate(c, height: y.count * factor, width: x.count * factor, method: method)
        }
    }
}
