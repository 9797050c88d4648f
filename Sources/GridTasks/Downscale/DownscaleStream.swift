// Training samples read from disk: each sample picks (time, y, x) and reads only the window of the truth (or of the
// paired coarse file) that its patch needs, plus a halo of coarse cells so the interpolation inside the patch is the
// one the whole field would give. Nothing of the archive is held in memory beyond the batches being built, so
// memory does not grow with the archive, and a sample depends only on (time, y, x), never on how the archive is
// split into files. Validation streams the held-out steps a few at a time.
import Foundation
import GridTensor
import GridIO
import GridTrain
import GridNN

struct DownscaleWindowPatches: BatchSource {
    let reader: DownscaleStepReader
    let inputs: DownscaleInputs
    let steps: [Int]
    let patch: Int
    let height: Int, width: Int
    /// Coarse cells read beyond the patch on each side: bicubic taps reach two cells, one more for safety.
    static let haloCells = 3

    init(reader: DownscaleStepReader, inputs: DownscaleInputs, steps: [Int], patch: Int) {
        self.reader = reader; self.inputs = inputs; self.steps = steps
        height = reader.truth.height; width = reader.truth.width
        self.patch = min(patch, height, width)
    }

    /// Enough samples per epoch to cover each step's area about once (as the in-memory sampler).
    var sampleCount: Int { steps.count * max(1, (height / patch) * (width / patch)) }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        var inputsOut = [Tensor](), targets = [Tensor]()
        for i in indices {
            let t = steps[i % steps.count]
            let y = Int(rng.next() % UInt64(height - patch + 1)), x = Int(rng.next() % UInt64(width - patch + 1))
            var (inp, tgt) = sample(t: t, y: y, x: x)
            // Flip augmentation along x only: north-south asymmetry (e.g. the lapse-rate sign) stays intact.
            if rng.next() & 1 == 1 {
                let flip = AxisTaps(inputSize: patch, outputSize: patch, tapsPerOutput: 1,
                                    index: (0..<patch).map { Int32(patch - 1 - $0) }, weight: [Float](repeating: 1, count: patch))
                inp = inp.applyingTaps(flip, axis: 3); tgt = tgt.applyingTaps(flip, axis: 3)
            }
            inputsOut.append(inp.contiguous()); targets.append(tgt.contiguous())
        }
        let target = Tensor.concatenate(targets, axis: 0)
        let mask = target.map { $0.isNaN ? 0 : 1 }
        return Batch(input: Tensor.concatenate(inputsOut, axis: 0), target: target.replacingNaN(with: 0), mask: mask)
    }

    /// Model input [1, C, p, p] and standardised residual target [1, 1, p, p] of the patch at (y, x) of step t.
    /// A read that fails (a file removed mid-run) gives a fully masked sample, and the failure is recorded.
    func sample(t: Int, y: Int, x: Int) -> (Tensor, Tensor) {
        let f = inputs.spec.factor, halo = Self.haloCells
        let cy0 = max(0, y / f - halo), cy1 = min(height / f, (y + patch - 1) / f + 1 + halo)
        let cx0 = max(0, x / f - halo), cx1 = min(width / f, (x + patch - 1) / f + 1 + halo)
        let (wy, wx) = (cy0 * f..<cy1 * f, cx0 * f..<cx1 * f)
        do {
            let fine = try reader.truth.window(steps: t..<(t + 1), y: wy, x: wx)
            let coarse = try reader.coarse.map { try $0.window(steps: t..<(t + 1), y: cy0..<cy1, x: cx0..<cx1) }
                ?? Regrid.coarsen(fine, factor: f)
            let interp = Regrid.interpolate(coarse, height: wy.count, width: wx.count, method: inputs.spec.interpolation)
            let (py, px) = (y - wy.lowerBound, x - wx.lowerBound)
            func crop(_ a: Tensor) -> Tensor { a.sliced(axis: a.rank - 2, py..<(py + patch)).sliced(axis: a.rank - 1, px..<(px + patch)).contiguous() }
            let interpPatch = crop(interp), finePatch = crop(fine)
            let region = (y..<(y + patch), x..<(x + patch))
            let predictors = try reader.predictors?.window(step: t, y: cy0..<cy1, x: cx0..<cx1, factor: f, method: inputs.spec.interpolation)
                .map(crop) ?? []
            let input = inputs.modelInput(interpolated: interpPatch, region: region, predictors: predictors)
            let guess = inputs.firstGuess(interpolated: interpPatch, region: region)
            let residual = ((finePatch - guess) * (1 / inputs.spec.fieldNorm.std)).unsqueezed(1)
            return (input, residual)
        } catch {
            DownscaleReadFailures.shared.record(error)
            let c = inputs.channels
            return (Tensor(zeros: [1, c, patch, patch]), Tensor(repeating: .nan, shape: [1, 1, patch, patch]))
        }
    }
}

/// The first read error of a training run's sampler (which cannot throw); the job rethrows it after training.
final class DownscaleReadFailures: @unchecked Sendable {
    static let shared = DownscaleReadFailures()
    private let lock = NSLock()
    private var first: Error?
    func record(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
    func take() -> Error? { lock.lock(); defer { first = nil; lock.unlock() }; return first }
}

/// The RMSE of the model (or, with `model` nil, of the interpolation alone) over `steps`, reading `chunk` steps at a
/// time; sums run in step order, so the result equals one pass over all the steps stacked.
func streamedRMSE(reader: DownscaleStepReader, inputs: DownscaleInputs, steps: [Int], model: (any Layer)?, multiple: Int,
                  chunk: Int = 4) throws -> Double {
    var se = 0.0, n = 0
    let plan = model.map { InferencePlan($0) }   // the weights of this call (validation runs after each epoch)
    for start in stride(from: 0, to: steps.count, by: chunk) {
        let part = Array(steps[start..<min(start + chunk, steps.count)])
        let read = try part.map { try reader.read($0) }
        let fine = Tensor.concatenate(read.map(\.fine), axis: 0), coarse = Tensor.concatenate(read.map(\.coarse), axis: 0)
        let interp = inputs.interpolate(coarse)
        var pred = interp
        if let plan {
            let predictors = try reader.predictors?.interpolated(steps: part, height: interp.shape[1], width: interp.shape[2],
                                                                 method: inputs.spec.interpolation) ?? []
            let residual = TiledInference.run(plan, inputs.modelInput(interpolated: interp, predictors: predictors), multiple: multiple)
            pred = inputs.reconstruct(interpolated: interp, residual: residual)
        }
        let p = pred.scalars, t = fine.scalars
        for i in 0..<t.count where !t[i].isNaN && !p[i].isNaN { let d = Double(p[i]) - Double(t[i]); se += d * d; n += 1 }
    }
    return n > 0 ? (se / Double(n)).squareRoot() : .nan
}
