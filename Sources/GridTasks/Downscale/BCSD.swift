// BCSD (bias correction + spatial disaggregation, Wood et al. 2004), the statistical baseline climate scientists
// use today. Fitted on training time steps: per coarse cell an empirical quantile map from the model's values to
// the coarsened observations; then the bias-corrected anomaly from the coarse observed climatology is
// interpolated to the fine grid and added to the fine observed climatology (additive, as for temperature).
import GridTensor

struct BCSD {
    let coarseModelSorted: [[Float]]   // per coarse cell, quantiles of the model's training values (ascending)
    let coarseObsSorted: [[Float]]     // per coarse cell, quantiles of the coarsened observations' training values
    let coarseObsClimatology: Tensor   // [h, w]
    let fineObsClimatology: Tensor     // [H, W]
    let method: Interpolation

    /// coarseModel, coarseObs: [T, h, w]; fineObs: [T, H, W]; all over the same training steps.
    init(coarseModel: Tensor, coarseObs: Tensor, fineObs: Tensor, method: Interpolation = .bilinear) {
        precondition(coarseModel.shape == coarseObs.shape && coarseModel.rank == 3 && fineObs.rank == 3 && fineObs.shape[0] == coarseObs.shape[0],
                     "BCSD: shapes \(shapeDescription(coarseModel.shape)), \(shapeDescription(coarseObs.shape)), \(shapeDescription(fineObs.shape))")
        let t = coarseModel.shape[0], cells = coarseModel.shape[1] * coarseModel.shape[2]
        let m = coarseModel.scalars, o = coarseObs.scalars
        var ms = [[Float]](), os = [[Float]]()
        for c in 0..<cells {
            ms.append((0..<t).map { m[$0 * cells + c] }.filter { !$0.isNaN }.sorted())
            os.append((0..<t).map { o[$0 * cells + c] }.filter { !$0.isNaN }.sorted())
        }
        coarseModelSorted = ms; coarseObsSorted = os
        coarseObsClimatology = BCSD.nanMean(coarseObs)
        fineObsClimatology = BCSD.nanMean(fineObs)
        self.method = method
    }

    /// From each coarse cell's training values (any order, no NaN) of the model and of the coarsened observations.
    init(modelValues: [[Float]], obsValues: [[Float]], coarseObsClimatology: Tensor, fineObsClimatology: Tensor, method: Interpolation = .bilinear) {
        coarseModelSorted = modelValues.map { $0.sorted() }
        coarseObsSorted = obsValues.map { $0.sorted() }
        self.coarseObsClimatology = coarseObsClimatology
        self.fineObsClimatology = fineObsClimatology
        self.method = method
    }

    /// The fitted baseline as checkpoint tensors. Each cell's sorted values are resampled to at most
    /// `maxQuantiles` evenly spaced quantiles (exact when the training period has no more steps than that), so the
    /// stored size does not grow with the archive.
    func tensors(maxQuantiles: Int = 1001) -> [String: Tensor] {
        let q = max(2, min(maxQuantiles, max(coarseModelSorted.map(\.count).max() ?? 0, coarseObsSorted.map(\.count).max() ?? 0)))
        func table(_ sorted: [[Float]]) -> Tensor {
            var out = [Float](repeating: .nan, count: sorted.count * q)
            for (c, values) in sorted.enumerated() where !values.isEmpty {
                for k in 0..<q {
                    out[c * q + k] = values.count == q ? values[k] : BCSD.quantile(values, Float(k) / Float(q - 1))
                }
            }
            return Tensor(shape: [sorted.count, q], scalars: out)
        }
        return ["bcsd_model_quantiles": table(coarseModelSorted), "bcsd_obs_quantiles": table(coarseObsSorted),
                "bcsd_coarse_obs_climatology": coarseObsClimatology, "bcsd_fine_obs_climatology": fineObsClimatology]
    }

    /// A baseline stored by `tensors`; nil when the checkpoint has none (models trained before baselines were kept).
    init?(_ t: [String: Tensor], method: Interpolation = .bilinear) {
        guard let m = t["bcsd_model_quantiles"], let o = t["bcsd_obs_quantiles"], let cc = t["bcsd_coarse_obs_climatology"],
              let fc = t["bcsd_fine_obs_climatology"], m.rank == 2, m.shape == o.shape, cc.rank == 2, fc.rank == 2,
              m.shape[0] == cc.shape[0] * cc.shape[1] else { return nil }
        func rows(_ x: Tensor) -> [[Float]] {
            let (cells, q, v) = (x.shape[0], x.shape[1], x.scalars)
            return (0..<cells).map { c in v[(c * q)..<((c + 1) * q)].contains(where: \.isNaN) ? [] : Array(v[(c * q)..<((c + 1) * q)]) }
        }
        coarseModelSorted = rows(m); coarseObsSorted = rows(o)
        coarseObsClimatology = cc; fineObsClimatology = fc
        self.method = method
    }

    /// The training-period mean of the fine observations [H, W]: the climatology baseline.
    var climatology: Tensor { fineObsClimatology }

    /// Downscales coarse model fields [T, h, w] to [T, H, W].
    func predict(_ coarse: Tensor) -> Tensor {
        let t = coarse.shape[0], h = coarse.shape[1], w = coarse.shape[2], cells = h * w
        let x = coarse.scalars, clim = coarseObsClimatology.scalars
        var anomaly = [Float](repeating: .nan, count: x.count)
        for s in 0..<t { for c in 0..<cells {
            let v = x[s * cells + c]
            guard !v.isNaN else { continue }
            anomaly[s * cells + c] = BCSD.quantileMap(v, from: coarseModelSorted[c], to: coarseObsSorted[c]) - clim[c]
        } }
        let fineAnomaly = Regrid.interpolate(Tensor(shape: coarse.shape, scalars: anomaly),
                                             height: fineObsClimatology.shape[0], width: fineObsClimatology.shape[1], method: method)
        return fineAnomaly + fineObsClimatology.unsqueezed(0)
    }

    /// Empirical quantile mapping with linear interpolation between order statistics; beyond the training range
    /// the offset at the nearest end is kept (so extremes shift rather than clip).
    static func quantileMap(_ v: Float, from src: [Float], to dst: [Float]) -> Float {
        guard src.count >= 1, dst.count >= 1 else { return v }
        if src.count == 1 || v <= src[0] { return v - src[0] + quantile(dst, 0) }
        if v >= src[src.count - 1] { return v - src[src.count - 1] + quantile(dst, 1) }
        var lo = 0, hi = src.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if src[mid] <= v { lo = mid } else { hi = mid } }
        let frac = src[hi] > src[lo] ? (v - src[lo]) / (src[hi] - src[lo]) : 0
        let q = (Float(lo) + frac) / Float(src.count - 1)
        return quantile(dst, q)
    }

    static func quantile(_ sorted: [Float], _ q: Float) -> Float {
        let pos = q * Float(sorted.count - 1)
        let i = min(Int(pos), sorted.count - 1), j = min(i + 1, sorted.count - 1)
        return sorted[i] + (sorted[j] - sorted[i]) * (pos - Float(i))
    }

    /// Mean over axis 0 ignoring NaN (NaN where no value is valid).
    static func nanMean(_ x: Tensor) -> Tensor {
        let t = x.shape[0], cells = x.count / max(t, 1), v = x.scalars
        var out = [Float](repeating: .nan, count: cells)
        for c in 0..<cells {
            var s = 0.0, n = 0
            for k in 0..<t where !v[k * cells + c].isNaN { s += Double(v[k * cells + c]); n += 1 }
            if n > 0 { out[c] = Float(s / Double(n)) }
        }
        return Tensor(shape: Array(x.shape.dropFirst()), scalars: out)
    }
}
