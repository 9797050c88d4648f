// Verification scores of a predicted field against the truth, over the points where the truth is valid.
import Foundation
import GridTensor

/// Verification scores of a predicted field against the truth, over the points where the truth is valid (all scored
/// steps together); used in `DownscaleEvaluation.methods`. Units are the variable's unless said.
public struct FieldScores: Codable, Equatable, Sendable {
    /// Root-mean-square error.
    public var rmse: Double
    /// Mean of prediction minus truth.
    public var bias: Double
    /// Pearson correlation with the truth.
    public var corr: Double
    /// Peak signal-to-noise ratio (dB) over the truth's range.
    public var psnr: Double
    /// Structural similarity (SSIM) over the truth's range.
    public var ssim: Double
    /// 98th percentile of the absolute error.
    public var p98: Double
    /// Mean absolute error.
    public var mae: Double
    /// Valid truth points scored.
    public var points: Int
    /// RMSE with each row weighted by cos(latitude) (area), when the rows are latitudes.
    public var latitudeWeightedRMSE: Double? = nil
    /// Bias of the 2nd and 98th percentiles (prediction minus truth, over all valid points and steps).
    public var p2Bias: Double? = nil
    /// Bias of the 98th percentile.
    public var p98Bias: Double? = nil
    /// Variance of the prediction over that of the truth (all valid points and steps): below 1 = too smooth.
    public var varianceRatio: Double? = nil
}

enum Metrics {
    /// Scores over [T, H, W] (or [H, W]) fields; NaN in the truth is skipped; PSNR and SSIM use the truth's range.
    /// `latitudes` (one per row) adds the area-weighted RMSE.
    static func scores(prediction: Tensor, truth: Tensor, latitudes: [Double]? = nil) -> FieldScores {
        precondition(prediction.shape == truth.shape, "scores: prediction \(shapeDescription(prediction.shape)) vs truth \(shapeDescription(truth.shape))")
        let p = prediction.scalars, t = truth.scalars
        var n = 0, se = 0.0, sb = 0.0, sp = 0.0, st = 0.0, spp = 0.0, stt = 0.0, spt = 0.0
        var lo = Double.infinity, hi = -Double.infinity
        var absErr = [Double](), predValues = [Float](), truthValues = [Float]()
        let h = truth.rank >= 2 ? truth.shape[truth.rank - 2] : 1, w = truth.shape.last ?? 1
        let rowWeights = latitudes.flatMap { $0.count == h ? $0.map { max(0, cos($0 * .pi / 180)) } : nil }
        var weightedSE = 0.0, weightSum = 0.0
        for i in 0..<t.count where !t[i].isNaN && !p[i].isNaN {
            let a = Double(p[i]), b = Double(t[i]), d = a - b
            n += 1; se += d * d; sb += d; sp += a; st += b; spp += a * a; stt += b * b; spt += a * b
            lo = min(lo, b); hi = max(hi, b)
            absErr.append(abs(d))
            predValues.append(p[i]); truthValues.append(t[i])
            if let rowWeights { let wt = rowWeights[(i / w) % h]; weightedSE += wt * d * d; weightSum += wt }
        }
        guard n > 0 else { return FieldScores(rmse: .nan, bias: .nan, corr: .nan, psnr: .nan, ssim: .nan, p98: .nan, mae: .nan, points: 0) }
        let nn = Double(n)
        let rmse = (se / nn).squareRoot()
        let cov = spt / nn - sp / nn * st / nn
        let vp = spp / nn - (sp / nn) * (sp / nn), vt = stt / nn - (st / nn) * (st / nn)
        absErr.sort()
        let p98 = absErr[min(absErr.count - 1, Int((0.98 * Double(absErr.count - 1)).rounded()))]
        let range = max(hi - lo, 1e-12)
        predValues.sort(); truthValues.sort()
        let pct = { (q: Float) in Double(BCSD.quantile(predValues, q)) - Double(BCSD.quantile(truthValues, q)) }
        return FieldScores(rmse: rmse, bias: sb / nn, corr: cov / max((vp * vt).squareRoot(), 1e-300),
                           psnr: 20 * log10(range / max(rmse, 1e-12)), ssim: ssim(prediction, truth, range: range),
                           p98: p98, mae: absErr.reduce(0, +) / nn, points: n,
                           latitudeWeightedRMSE: weightSum > 0 ? (weightedSE / weightSum).squareRoot() : nil,
                           p2Bias: pct(0.02), p98Bias: pct(0.98), varianceRatio: vt > 0 ? vp / vt : nil)
    }

    /// Mean structural similarity (Wang et al. 2004: Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03) over the 2-D
    /// slices, counting only windows whose centre is valid.
    static func ssim(_ a: Tensor, _ b: Tensor, range: Double) -> Double {
        let r = a.rank, h = a.shape[r - 2], w = a.shape[r - 1]
        let av = a.scalars, bv = b.scalars
        let radius = 5, sigma = 1.5
        let g = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let c1 = pow(0.01 * range, 2), c2 = pow(0.03 * range, 2)
        var total = 0.0, count = 0
        for s in 0..<(av.count / (h * w)) {
            let base = s * h * w
            for i in 0..<h { for j in 0..<w {
                guard !bv[base + i * w + j].isNaN, !av[base + i * w + j].isNaN else { continue }
                var ws = 0.0, ma = 0.0, mb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
                for di in -radius...radius { for dj in -radius...radius {
                    let ii = i + di, jj = j + dj
                    guard ii >= 0, ii < h, jj >= 0, jj < w else { continue }
                    let x = Double(av[base + ii * w + jj]), y = Double(bv[base + ii * w + jj])
                    guard !x.isNaN, !y.isNaN else { continue }
                    let wt = g[di + radius] * g[dj + radius]
                    ws += wt; ma += wt * x; mb += wt * y; saa += wt * x * x; sbb += wt * y * y; sab += wt * x * y
                } }
                ma /= ws; mb /= ws
                let va = saa / ws - ma * ma, vb = sbb / ws - mb * mb, cab = sab / ws - ma * mb
                total += ((2 * ma * mb + c1) * (2 * cab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
                count += 1
            } }
        }
        return count > 0 ? total / Double(count) : .nan
    }
}
