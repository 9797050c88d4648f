// Downscaling's data contract: made at training from the streaming statistics pass (the truth's grid, the target's
// and predictors' units and standard names, statistics of every coarse input channel) and checked when a model is
// applied or evaluated. Units of the same quantity are converted (K and degC, Pa and hPa, ...); latitude order and
// longitude convention are put in the model's (an exact permutation of rows and columns; the output goes back on
// the user's grid and order); a grid spacing other than training's is refused with one line: the network learned
// one upscaling step (training's coarse spacing to its fine spacing), and regridding the user's coarse field to
// that spacing would give an output grid the user did not ask for. Statistics far from training are warned about.
import Foundation
import GridTensor
import GridIO

/// Rows and columns of an input grid in a model's order: model[i, j] = input[rows[i], cols[j]].
struct GridPermutation: Equatable {
    let rows: [Int]
    let cols: [Int]
    var isIdentity: Bool { rows == Array(rows.indices) && cols == Array(cols.indices) }

    /// From an adaptation without regridding: rows matched by latitude; columns by longitude on global grids
    /// (wrapping rolls them), kept on regions (wrapping only relabels them).
    init(_ plan: GridAdaptation) throws {
        let (a, m) = (plan.input, plan.model)
        guard a.height == m.height, a.width == m.width else { throw TaskError("internal: a regridding plan is not a permutation") }
        rows = m.lat.map { t in a.lat.indices.min { abs(a.lat[$0] - t) < abs(a.lat[$1] - t) }! }
        cols = a.periodic ? m.lon.map { t in a.lon.indices.min { abs(LatLonGrid.lonDifference(a.lon[$0], t)) < abs(LatLonGrid.lonDifference(a.lon[$1], t)) }! }
                          : Array(a.lon.indices)
        guard Set(rows).count == rows.count, Set(cols).count == cols.count else {
            throw TaskError("the input's latitudes or longitudes repeat, so its rows and columns cannot be put in the model's order")
        }
    }

    init(rows: [Int], cols: [Int]) { self.rows = rows; self.cols = cols }

    /// The same reordering on the grid refined `factor` times (each cell split into factor x factor sub-cells,
    /// which run backwards inside a cell when the coarse order is reversed).
    func refined(_ factor: Int) -> GridPermutation {
        func refine(_ p: [Int]) -> [Int] {
            let n = p.count
            let reversed = n > 2 && p[1] == (p[0] - 1 + n) % n
            return p.flatMap { c in (0..<factor).map { k in c * factor + (reversed ? factor - 1 - k : k) } }
        }
        return GridPermutation(rows: refine(rows), cols: refine(cols))
    }

    /// [..., H, W] in the input's order to the model's.
    func toModel(_ x: Tensor) -> Tensor { move(x, inverse: false) }
    /// [..., H, W] in the model's order back to the input's.
    func toInput(_ x: Tensor) -> Tensor { move(x, inverse: true) }

    private func move(_ x: Tensor, inverse: Bool) -> Tensor {
        if isIdentity { return x }
        let (h, w) = (rows.count, cols.count)
        let s = x.contiguous().scalars
        var out = [Float](repeating: 0, count: s.count)
        for base in stride(from: 0, to: s.count, by: h * w) {
            for i in 0..<h {
                for j in 0..<w {
                    let m = base + i * w + j, a = base + rows[i] * w + cols[j]
                    if inverse { out[a] = s[m] } else { out[m] = s[a] }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }
}

enum DownscaleContract {
    /// The dataset's rectilinear lat/lon grid, when it has 1-D latitude and longitude coordinates.
    static func latLonGrid(_ ds: GridDataset) -> LatLonGrid? {
        guard let lat = ds.latitudes, ds.longitudeConvention != nil, let lon = ds.xValues, lat.count >= 2, lon.count >= 2,
              lat.allSatisfy({ $0.isFinite && abs($0) <= 90 }), lon.allSatisfy(\.isFinite) else { return nil }
        return LatLonGrid(lat: lat, lon: lon)
    }

    /// The contract of a model trained on `truth` (the fine grid), with statistics of the coarse input channels.
    static func make(truth: GridDataset, predictors: DownscalePredictors?, staticNames: [String], statistics s: DownscaleStatistics,
                     factor: Int, climatology: Bool, pairedCoarse: Bool) -> DataContract {
        var variables = [ContractVariable(role: "target", name: truth.name, units: truth.units ?? "", standardName: truth.standardName)]
        for ds in predictors?.datasets ?? [] {
            variables.append(ContractVariable(role: "predictor", name: ds.name, units: ds.units ?? "", standardName: ds.standardName))
        }
        for n in staticNames { variables.append(ContractVariable(role: "static", name: n, units: "", standardName: nil)) }
        var prep = [pairedCoarse ? "the coarse input is a paired coarse file, step for step with the truth"
                                 : "the coarse input is the truth block-averaged over \(factor)x\(factor) cells",
                    "the coarse fields are interpolated to the fine grid (factor \(factor)) and the network predicts the standardised residual",
                    "a coarse grid of another spacing than training's fine spacing x \(factor) is refused: the network learned that one step"]
        if climatology { prep.append("the network corrects a climatology-aware first guess: it applies only on the training grid (extent and size)") }
        return DataContract(variables: variables, grid: latLonGrid(truth).map(ContractGrid.init), channels: s.channelStatistics, preprocessing: prep)
    }
}
