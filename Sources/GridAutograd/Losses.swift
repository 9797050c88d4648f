// Losses. Every one takes an optional mask (1 = counts, 0 = missing grid point, e.g. NaN or _FillValue in the
// truth), so gaps in observations never reach the gradient.
import Foundation
import GridTensor
import CGridKernels

/// The losses gridcnn trains with. Each returns a scalar Variable (a mean); the optional `mask` (1 = counts,
/// 0 = missing, shaped like the target) keeps gaps in observations out of the mean and the gradient, and an
/// all-zero mask gives 0 rather than NaN.
public enum Loss {
    /// mean((x - t)^2) over the points where mask = 1.
    public static func mse(_ x: Variable, _ t: Variable, mask: Tensor? = nil) -> Variable {
        let d = x - t
        return masked(d * d, mask)
    }

    /// mean(|x - t|) over the points where mask = 1.
    public static func mae(_ x: Variable, _ t: Variable, mask: Tensor? = nil) -> Variable { masked((x - t).abs(), mask) }

    static func masked(_ err: Variable, _ mask: Tensor?) -> Variable {
        guard let mask else { return err.mean() }
        precondition(mask.shape == err.shape, "loss mask \(shapeDescription(mask.shape)) does not match \(shapeDescription(err.shape))")
        let n = Float(max(mask.total, 1))
        return (err * Variable(mask)).sum() * (1 / n)
    }

    /// Cross-entropy of logits over the class axis 1: x [N, C, ...], targets [N, ...] as class indices.
    /// Targets equal to `ignoreIndex` (or masked out) do not count; `classWeights` weight each target's term and the
    /// mean divides by the summed weights of counted targets (PyTorch's convention); `labelSmoothing` mixes in the
    /// uniform distribution.
    public static func crossEntropy(_ x: Variable, targets: [Int], classWeights: [Float]? = nil, ignoreIndex: Int = -100,
                                    labelSmoothing: Float = 0, mask: Tensor? = nil) -> Variable {
        let n = x.shape[0], c = x.shape[1], s = x.shape.dropFirst(2).reduce(1, *)
        precondition(targets.count == n * s, "cross-entropy: \(targets.count) targets for logits \(shapeDescription(x.shape))")
        if let classWeights { precondition(classWeights.count == c, "cross-entropy: \(classWeights.count) class weights for \(c) classes") }
        let maskValues = mask?.scalars
        let w = classWeights ?? [Float](repeating: 1, count: c)
        let wsum = w.reduce(0, +)
        // Per position: the weight of its term (0 when ignored or masked), then one pass over classes.
        var posWeight = [Float](repeating: 0, count: n * s)
        var counted = [Bool](repeating: false, count: n * s)
        var weightSum = 0.0
        for p in 0..<(n * s) {
            let t = targets[p]
            if t == ignoreIndex || (maskValues.map { $0[p] == 0 } ?? false) { continue }
            precondition(t >= 0 && t < c, "cross-entropy: target \(t) outside 0..<\(c)")
            posWeight[p] = w[t]; counted[p] = true; weightSum += Double(w[t])
        }
        let norm = weightSum > 0 ? Float(1 / weightSum) : 0
        let eps = labelSmoothing
        if eps == 0 {   // the common case: one fused pass in C (softmax, loss and gradient together)
            var dx = Tensor(uninitializedShape: x.shape)
            let t64 = targets.map { Int64($0) }
            let total = x.value.withUnsafeBufferPointer { px in dx.withUnsafeMutableBufferPointer { pd in
                gk_softmax_cross_entropy(Int64(n), Int64(c), Int64(s), px.baseAddress, t64, posWeight, norm, pd.baseAddress)
            } }
            return Variable.op(Tensor(Float(total * Double(norm))), [x]) { g in [g.item == 1 ? dx : dx * g.item] }
        }
        let logp = softmaxForward(x.value, axis: 1, log: true)
        var total = 0.0
        var dx = Tensor(uninitializedShape: x.shape)
        logp.withUnsafeBufferPointer { lp in dx.withUnsafeMutableBufferPointer { pd in
            for b in 0..<n {
                for k in 0..<c {
                    let row = (b * c + k) * s, wk = w[k]
                    var rowLoss = 0.0
                    for i in 0..<s {
                        let p = b * s + i, t = targets[p]
                        guard counted[p] else { pd[row + i] = 0; continue }
                        let l = lp[row + i], prob = Foundation.exp(l)
                        // loss = (1-eps) w_t (-logp_t) + eps/C sum_k w_k (-logp_k)
                        // d/dlogit_k = (1-eps) w_t (p_k - [k=t]) + eps/C (p_k sum_j w_j - w_k)
                        var g = (1 - eps) * posWeight[p] * (prob - (k == t ? 1 : 0)) + eps / Float(c) * (prob * wsum - wk)
                        if k == t { rowLoss -= Double((1 - eps) * posWeight[p] * l) }
                        if eps != 0 { rowLoss -= Double(eps / Float(c) * wk * l) }
                        g *= norm
                        pd[row + i] = g
                    }
                    total += rowLoss
                }
            }
        } }
        total *= Double(norm)
        return Variable.op(Tensor(Float(total)), [x]) { g in [dx * g.item] }
    }

    /// Binary cross-entropy on logits: -(pw t log s(x) + (1-t) log(1-s(x))), mean over counted points.
    /// `posWeight` broadcasts against x (e.g. [C, 1, 1] for [N, C, H, W]).
    public static func bceWithLogits(_ x: Variable, _ t: Tensor, posWeight: Tensor? = nil, mask: Tensor? = nil) -> Variable {
        precondition(t.shape == x.shape, "bce: target \(shapeDescription(t.shape)) does not match logits \(shapeDescription(x.shape))")
        let pw = posWeight.map { $0.broadcast(to: x.shape).contiguous() } ?? Tensor(ones: x.shape)
        // log s(x) = -softplus(-x); log(1 - s(x)) = -softplus(x), both stable.
        func softplus(_ v: Float) -> Float { v > 0 ? v + Foundation.log1p(Foundation.exp(-v)) : Foundation.log1p(Foundation.exp(v)) }
        let xv = x.value
        let perPoint = Tensor.zip(Tensor.zip(xv, t) { xi, ti in (1 - ti) * softplus(xi) }, Tensor.zip(Tensor.zip(xv, t) { xi, ti in ti * softplus(-xi) }, pw, *), +)
        let grad = Tensor.zip(Tensor.zip(xv, t) { xi, ti in stableSigmoid(xi) * (1 - ti) }, Tensor.zip(Tensor.zip(xv, t) { xi, ti in ti * (stableSigmoid(xi) - 1) }, pw, *), +)
        let m = mask ?? Tensor(ones: x.shape)
        let n = Float(max(m.total, 1))
        let loss = Float((perPoint * m).total) / n
        return Variable.op(Tensor(loss), [x]) { g in [grad * m * (g.item / n)] }
    }

    /// Soft Dice loss on logits: 1 - (2 sum(p t) + smooth) / (sum p + sum t + smooth), p = sigmoid(x).
    public static func softDice(_ x: Variable, _ t: Tensor, smooth: Float = 1, mask: Tensor? = nil) -> Variable {
        var p = x.sigmoid()
        var tt = t
        if let mask { p = p * Variable(mask); tt = t * mask }
        let inter = (p * Variable(tt)).sum()
        let denom = p.sum() + Float(tt.total) + smooth
        return 1 - (inter * 2 + smooth) / denom
    }

    /// Soft IoU (Jaccard) loss on logits: 1 - (sum(p t) + smooth) / (sum p + sum t - sum(p t) + smooth).
    public static func softIoU(_ x: Variable, _ t: Tensor, smooth: Float = 1, mask: Tensor? = nil) -> Variable {
        var p = x.sigmoid()
        var tt = t
        if let mask { p = p * Variable(mask); tt = t * mask }
        let inter = (p * Variable(tt)).sum()
        let union = p.sum() + Float(tt.total) - inter + smooth
        return 1 - (inter + smooth) / union
    }
}

