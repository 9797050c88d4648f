// Batch normalisation over a batch split across processes (data-parallel training): the statistics and the two sums
// of the backward pass are combined over the group, so N ranks normalise exactly as one rank with the whole batch.
import GridTensor
import CGridKernels

/// Batch normalisation over a batch split across processes: inside ``combined(over:_:)`` the batch-norm layers in
/// training mode combine their mean, variance and backward sums over the group, so N ranks normalise exactly as one
/// rank with the whole batch. The group is process-wide state: one data-parallel training at a time per process.
public enum BatchStatistics {
    /// The group batch-norm layers in training mode combine over; nil = this process's batch alone.
    nonisolated(unsafe) public private(set) static var group: ProcessGroup?

    /// Runs `body` with batch statistics combined over `group` (a group of one changes nothing).
    public static func combined<T>(over group: ProcessGroup, _ body: () throws -> T) rethrows -> T {
        let saved = self.group
        self.group = group.size > 1 ? group : nil
        defer { self.group = saved }
        return try body()
    }

    /// Replaces local per-channel mean and (biased) variance of `count` values each by those over the group; returns
    /// the group's count per channel.
    static func combineMoments(_ mean: inout [Float], _ variance: inout [Float], count: Int, group: ProcessGroup) -> Float {
        let c = mean.count, m = Double(count)
        var sums = [Double](repeating: 0, count: 2 * c + 1)
        for k in 0..<c {
            sums[k] = m * Double(mean[k])
            sums[c + k] = m * (Double(variance[k]) + Double(mean[k]) * Double(mean[k]))
        }
        sums[2 * c] = m
        collective { try group.allReduceSum(&sums) }
        let total = sums[2 * c]
        for k in 0..<c {
            let mu = sums[k] / total
            mean[k] = Float(mu)
            variance[k] = Float(max(sums[c + k] / total - mu * mu, 0))
        }
        return Float(total)
    }

    /// The backward pass with group statistics: parameter gradients are this rank's parts (the trainer sums them over
    /// the group with the other gradients); dx uses the group's sums.
    static func backward(x: Tensor, dy: Tensor, mean: [Float], invStd: [Float], gamma: Tensor, count: Float,
                         needDx: Bool, group: ProcessGroup) -> [Tensor?] {
        let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
        var dgamma = Tensor(uninitializedShape: [c]), dbeta = Tensor(uninitializedShape: [c])
        x.withUnsafeBufferPointer { px in dy.withUnsafeBufferPointer { pdy in gamma.withUnsafeBufferPointer { pg in
            dgamma.withUnsafeMutableBufferPointer { pdg in dbeta.withUnsafeMutableBufferPointer { pdb in
                gk_batchnorm_backward(Int64(n), Int64(c), Int64(s), px.baseAddress, pdy.baseAddress, mean, invStd,
                                      pg.baseAddress, 1, nil, pdg.baseAddress, pdb.baseAddress)
            } }
        } } }
        guard needDx else { return [nil, dgamma, dbeta] }
        // sum dy and sum dy*(x - mean) = dgamma / invstd, over the group.
        let g = dgamma.scalars, b = dbeta.scalars
        var sums = [Double](repeating: 0, count: 2 * c)
        for k in 0..<c { sums[k] = Double(b[k]); sums[c + k] = Double(g[k]) / Double(invStd[k]) }
        collective { try group.allReduceSum(&sums) }
        var dx = Tensor(uninitializedShape: x.shape)
        x.withUnsafeBufferPointer { px in dy.withUnsafeBufferPointer { pdy in gamma.withUnsafeBufferPointer { pg in
            dx.withUnsafeMutableBufferPointer { pdx in
                sums.withUnsafeBufferPointer { ps in
                    gk_batchnorm_backward_input(Int64(n), Int64(c), Int64(s), px.baseAddress, pdy.baseAddress, mean, invStd,
                                                pg.baseAddress, ps.baseAddress, ps.baseAddress! + c, Double(count), pdx.baseAddress)
                }
            }
        } } }
        return [dx, dgamma, dbeta]
    }

    /// MPI's default error handler ends the job on a failed collective; one that returns an error is fatal here too.
    private static func collective(_ body: () throws -> Void) {
        do { try body() } catch { fatalError("batch statistics: \(error)") }
    }
}
