// Batch normalisation, local response normalisation and dropout.
import Foundation
import GridTensor
import CGridKernels

extension Variable {
    /// Batch norm over [N, C, ...] with per-channel gamma/beta. In training, normalises by the batch statistics and
    /// updates the running ones in place (unbiased variance, as PyTorch); in eval, uses the running statistics.
    public func batchNorm(gamma: Variable, beta: Variable, runningMean: inout Tensor, runningVar: inout Tensor,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Variable {
        let n = shape[0], c = shape[1], s = shape.dropFirst(2).reduce(1, *)
        precondition(gamma.shape == [c] && beta.shape == [c], "batch norm: gamma/beta \(shapeDescription(gamma.shape)) should be [\(c)]")
        var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
        var m = Float(n * s)
        if training {
            value.withUnsafeBufferPointer { px in
                gk_channel_moments(Int64(n), Int64(c), Int64(s), px.baseAddress, &mean, &variance)
            }
            if let group = BatchStatistics.group { m = BatchStatistics.combineMoments(&mean, &variance, count: n * s, group: group) }
            let unbias = m > 1 ? m / (m - 1) : 1
            runningMean.withUnsafeMutableBufferPointer { rm in runningVar.withUnsafeMutableBufferPointer { rv in
                for k in 0..<c {
                    rm[k] = (1 - momentum) * rm[k] + momentum * mean[k]
                    rv[k] = (1 - momentum) * rv[k] + momentum * variance[k] * unbias
                }
            } }
        } else {
            mean = runningMean.scalars; variance = runningVar.scalars
        }
        let invStd = variance.map { 1 / ($0 + eps).squareRoot() }
        let gam = gamma.value.contiguous(), x = value.contiguous()
        var y = Tensor(uninitializedShape: shape)
        x.withUnsafeBufferPointer { px in gam.withUnsafeBufferPointer { pg in beta.value.withUnsafeBufferPointer { pb in
            y.withUnsafeMutableBufferPointer { py in
                gk_batchnorm_apply(Int64(n), Int64(c), Int64(s), px.baseAddress, mean, invStd, pg.baseAddress, pb.baseAddress, py.baseAddress)
            }
        } } }
        let shp = shape, needDx = requiresGrad
        if training, let group = BatchStatistics.group {
            let total = m
            return .op(y, [self, gamma, beta]) { dy in
                BatchStatistics.backward(x: x, dy: dy, mean: mean, invStd: invStd, gamma: gam, count: total, needDx: needDx, group: group)
            }
        }
        return .op(y, [self, gamma, beta]) { dy in
            var dx = Tensor(uninitializedShape: needDx ? shp : [0])
            var dgamma = Tensor(uninitializedShape: [c]), dbeta = Tensor(uninitializedShape: [c])
            x.withUnsafeBufferPointer { px in dy.withUnsafeBufferPointer { pdy in gam.withUnsafeBufferPointer { pg in
                dx.withUnsafeMutableBufferPointer { pdx in dgamma.withUnsafeMutableBufferPointer { pdg in dbeta.withUnsafeMutableBufferPointer { pdb in
                    gk_batchnorm_backward(Int64(n), Int64(c), Int64(s), px.baseAddress, pdy.baseAddress, mean, invStd, pg.baseAddress,
                                          training ? 1 : 0, needDx ? pdx.baseAddress : nil, pdg.baseAddress, pdb.baseAddress)
                } } }
            } } }
            return [needDx ? dx : nil, dgamma, dbeta]
        }
    }

    /// Local response normalisation across channels (AlexNet): x / (k + alpha/size * sum_{window} x^2)^beta.
    public func localResponseNorm(size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 2) -> Variable {
        let n = shape[0], c = shape[1], s = shape.dropFirst(2).reduce(1, *)
        let lo = size / 2, hi = (size - 1) / 2
        var den = Tensor(uninitializedShape: shape)
        value.withUnsafeBufferPointer { px in den.withUnsafeMutableBufferPointer { pd in
            for b in 0..<n { for ch in 0..<c { for i in 0..<s {
                var acc: Float = 0
                for j in Swift.max(0, ch - lo)...Swift.min(c - 1, ch + hi) { let v = px[(b * c + j) * s + i]; acc += v * v }
                pd[(b * c + ch) * s + i] = k + alpha / Float(size) * acc
            } } }
        } }
        let x = value
        let y = Tensor.zip(x, den) { $0 * Foundation.pow($1, -beta) }
        return .op(y, [self]) { g in
            // dx_j = g_j d_j^-b - 2 a b / size * x_j * sum_{i: j in window(i)} g_i x_i d_i^(-b-1)
            let t = Tensor.zip(Tensor.zip(g, x, *), den) { $0 * Foundation.pow($1, -beta - 1) }
            var dx = Tensor.zip(g, den) { $0 * Foundation.pow($1, -beta) }
            t.withUnsafeBufferPointer { pt in x.withUnsafeBufferPointer { px in dx.withUnsafeMutableBufferPointer { pd in
                for b in 0..<n { for j in 0..<c { for i in 0..<s {
                    var acc: Float = 0
                    for ch in Swift.max(0, j - hi)...Swift.min(c - 1, j + lo) { acc += pt[(b * c + ch) * s + i] }
                    pd[(b * c + j) * s + i] -= 2 * alpha * beta / Float(size) * px[(b * c + j) * s + i] * acc
                } } }
            } } }
            return [dx]
        }
    }

    /// Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p); identity when not training.
    /// `spatial` drops whole channels ([N, C, ...] -> one draw per (n, c)).
    public func dropout(_ p: Float, training: Bool, spatial: Bool = false, rng: inout SeededGenerator) -> Variable {
        guard training, p > 0 else { return self }
        precondition(p < 1, "dropout probability \(p) must be below 1")
        let unit = spatial ? shape.dropFirst(2).reduce(1, *) : 1
        var mask = Tensor(uninitializedShape: shape)
        mask.withUnsafeMutableBufferPointer { pm in
            for start in stride(from: 0, to: pm.count, by: unit) {
                let keep: Float = rng.nextUniform() >= p ? 1 / (1 - p) : 0
                for i in start..<(start + unit) { pm[i] = keep }
            }
        }
        return .op(value * mask, [self]) { g in [g * mask] }
    }
}
