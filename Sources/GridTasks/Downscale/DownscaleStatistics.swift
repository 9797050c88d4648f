// Everything training needs to know about the whole training period, from one pass that reads a step at a time:
// the field's standardisation, the climatologies of the truth and of the interpolated coarse input, and the BCSD
// baseline's per-cell distributions. Sums run in the same order as over the stacked steps, so a one-file archive
// gives the same numbers as before and the split of an archive into files changes nothing.
import Foundation
import GridTensor
import GridIO
import GridTrain

/// Reads step t of the training data: the fine truth [1, H, W] and the coarse input [1, h, w] (the paired coarse
/// file's step, or the truth block-averaged).
struct DownscaleStepReader {
    let truth: GridDataset
    let coarse: GridDataset?
    let factor: Int
    var predictors: DownscalePredictors? = nil

    func read(_ t: Int) throws -> (fine: Tensor, coarse: Tensor) {
        let fine = try truth.read(step: t).reshaped([1, truth.height, truth.width])
        if let coarse { return (fine, try coarse.read(step: t).reshaped([1, coarse.height, coarse.width])) }
        return (fine, try Regrid.coarsen(fine, factor: factor))
    }
}

struct DownscaleStatistics {
    var fieldNorm: Standardization
    var climatology: DownscaleClimatology
    var bcsd: BCSD
    /// Steps of the training period the BCSD distributions were taken from (all of them up to `maxBCSDSteps`).
    var bcsdSteps: Int
    /// One per predictor (mean and spread of its coarse values over the training steps).
    var predictorNorms: [Standardization]
    /// The data contract's statistics of each coarse input channel (the target's coarse field, then each
    /// predictor): moments over every value, quantiles over an even subsample of at most about 200 000 values.
    var channelStatistics: [ChannelStatistics] = []

    /// One pass over `training` (dataset steps, in order). BCSD keeps each cell's values of at most `maxBCSDSteps`
    /// steps, evenly spaced over the period, so its memory does not grow with the archive.
    init(reader: DownscaleStepReader, training: [Int], height: Int, width: Int, interpolation: Interpolation,
         maxBCSDSteps: Int = 1000, quiet: Bool) throws {
        let cells = height * width
        var s = 0.0, s2 = 0.0, n = 0.0
        var fineSum = [Double](repeating: 0, count: cells), fineCount = [Int](repeating: 0, count: cells)
        var interpSum = [Double](repeating: 0, count: cells), interpCount = [Int](repeating: 0, count: cells)
        let bcsdPicked = Set(training.count <= maxBCSDSteps ? training : (0..<maxBCSDSteps).map { training[$0 * training.count / maxBCSDSteps] })
        var modelValues = [[Float]](), obsValues = [[Float]]()
        var coarseObsSum = [Double](), coarseObsCount = [Int]()
        let predictorCount = reader.predictors?.count ?? 0
        var ps = [Double](repeating: 0, count: predictorCount), ps2 = ps, pn = ps
        var moments = [ChannelMoments](repeating: ChannelMoments(), count: 1 + predictorCount)
        var samples = [[[Float]]](repeating: [], count: 1 + predictorCount)
        func observe(_ c: Int, _ values: [Float]) {
            moments[c].add(values)
            let every = max(1, training.count * values.count / 200_000)
            samples[c].append(Swift.stride(from: 0, to: values.count, by: every).map { values[$0] })
        }
        let progress = ProgressReporter("statistics", total: training.count, quiet: quiet)
        for (k, t) in training.enumerated() {
            let (fine, coarse) = try reader.read(t)
            observe(0, coarse.scalars)
            let f = fine.scalars
            for v in f where !v.isNaN { s += Double(v); s2 += Double(v) * Double(v); n += 1 }
            for c in 0..<cells where !f[c].isNaN { fineSum[c] += Double(f[c]); fineCount[c] += 1 }
            let interp = Regrid.interpolate(coarse, height: height, width: width, method: interpolation).scalars
            for c in 0..<cells where !interp[c].isNaN { interpSum[c] += Double(interp[c]); interpCount[c] += 1 }
            let obs = try Regrid.coarsen(fine, factor: reader.factor).scalars, model = coarse.scalars
            if modelValues.isEmpty {
                modelValues = Array(repeating: [], count: obs.count); obsValues = modelValues
                coarseObsSum = Array(repeating: 0, count: obs.count); coarseObsCount = Array(repeating: 0, count: obs.count)
            }
            for c in 0..<obs.count where !obs[c].isNaN { coarseObsSum[c] += Double(obs[c]); coarseObsCount[c] += 1 }
            if bcsdPicked.contains(t) {
                for c in 0..<obs.count {
                    if !model[c].isNaN { modelValues[c].append(model[c]) }
                    if !obs[c].isNaN { obsValues[c].append(obs[c]) }
                }
            }
            for p in 0..<predictorCount {
                let values = try reader.predictors!.coarse(p, steps: [t]).scalars
                observe(1 + p, values)
                for v in values where !v.isNaN {
                    ps[p] += Double(v); ps2[p] += Double(v) * Double(v); pn[p] += 1
                }
            }
            progress.update(k + 1)
        }
        guard n > 0 else { throw TaskError("\(reader.truth.label): variable '\(reader.truth.name)' has no valid values in the training steps (all missing)") }
        let m = s / n
        fieldNorm = Standardization(mean: Float(m), std: Float(max((s2 / n - m * m).squareRoot(), 1e-6)))
        func mean(_ sum: [Double], _ count: [Int], shape: [Int]) -> Tensor {
            Tensor(shape: shape, scalars: zip(sum, count).map { $1 > 0 ? Float($0 / Double($1)) : .nan })
        }
        let fineMean = mean(fineSum, fineCount, shape: [height, width])
        climatology = DownscaleClimatology(fine: fineMean.replacingNaN(with: 0),
                                           coarseOnFine: mean(interpSum, interpCount, shape: [height, width]).replacingNaN(with: 0))
        let (ch, cw) = (height / reader.factor, width / reader.factor)
        bcsd = BCSD(modelValues: modelValues, obsValues: obsValues, coarseObsClimatology: mean(coarseObsSum, coarseObsCount, shape: [ch, cw]),
                    fineObsClimatology: fineMean)
        bcsdSteps = bcsdPicked.count
        let names = [reader.truth.name] + (reader.predictors?.names ?? [])
        channelStatistics = names.indices.map { c in
            let q = ChannelStatistics.measure(names[c], samples[c]).quantiles
            return ChannelStatistics(name: names[c], mean: moments[c].mean, std: moments[c].std, quantiles: q)
        }
        predictorNorms = try (0..<predictorCount).map { p in
            guard pn[p] > 0 else { throw TaskError("predictor '\(reader.predictors!.names[p])' has no valid values in the training steps") }
            let m = ps[p] / pn[p]
            return Standardization(mean: Float(m), std: Float(max((ps2[p] / pn[p] - m * m).squareRoot(), 1e-6)))
        }
    }
}
