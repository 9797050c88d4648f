// The optimisers, each with PyTorch's update rule and defaults (torch.optim), so results and hyper-parameters carry
// over. g is the gradient, p the parameter, t the parameter's own step count (1-based).
import Foundation
import GridTensor
import GridAutograd
import CGridKernels

/// SGD: d = g + wd p; with momentum mu: b = d (first step) else mu b + (1 - dampening) d, and d = b
/// (Nesterov: d = d + mu b); p -= lr d.
public final class SGD: Optimizer {
    /// Momentum mu (0: none), dampening of the momentum's new term, L2 weight decay folded into the gradient, and
    /// Nesterov momentum.
    public var momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool

    /// SGD over named parameters (names key the exported state). Traps for Nesterov without momentum or with dampening.
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false, schedule: LearningRateSchedule? = nil) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.momentum = momentum; self.dampening = dampening; self.weightDecay = weightDecay; self.nesterov = nesterov
        super.init(named, learningRate: learningRate, schedule: schedule)
    }
    /// SGD over parameters named by position.
    public convenience init(_ params: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, momentum: momentum,
                  dampening: dampening, weightDecay: weightDecay, nesterov: nesterov, schedule: schedule)
    }

    /// `momentum_buffer`, as torch.optim.SGD names it.
    public override var slotNames: [String] { ["momentum_buffer"] }

    /// One SGD update of `value` from `grad`.
    public override func update(_ value: inout Tensor, grad: Tensor, id: ObjectIdentifier) {
        var d = grad.contiguous()
        if weightDecay != 0 { d.addScaled(value, weightDecay) }
        if momentum != 0 {
            let first = !has("momentum_buffer", id)
            var b = take("momentum_buffer", id, shape: value.shape)
            if first { b = d } else { b = b * momentum; b.addScaled(d, 1 - dampening) }
            if nesterov { d.addScaled(b, momentum) } else { d = b }
            put("momentum_buffer", id, b)
        }
        value.addScaled(d, -learningRate)
    }
}

/// Adam (decoupled = false: L2 decay folded into g) and AdamW (decoupled = true: p *= 1 - lr wd first):
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// The update runs in CGridKernels' gk_adam_step over the contiguous buffers.
public class Adam: Optimizer {
    /// Decay rates of the first and second moment estimates, the term added to the denominator, and weight decay.
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// True for AdamW's decoupled decay (p *= 1 - lr wd), false for Adam's L2 term in the gradient.
    public let decoupled: Bool

    /// Adam over named parameters with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999, eps 1e-8, no decay).
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false, schedule: LearningRateSchedule? = nil) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.decoupled = decoupled
        super.init(named, learningRate: learningRate, schedule: schedule)
    }
    /// Adam over parameters named by position.
    public convenience init(_ params: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            eps: Float = 1e-8, weightDecay: Float = 0, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  eps: eps, weightDecay: weightDecay, schedule: schedule)
    }

    /// `exp_avg`, `exp_avg_sq` and `step`, as torch.optim.Adam names them.
    public override var slotNames: [String] { ["exp_avg", "exp_avg_sq", "step"] }

    /// One Adam update of `value` from `grad` (a vectorised kernel over the contiguous buffers).
    public override func update(_ value: inout Tensor, grad: Tensor, id: ObjectIdentifier) {
        var m = take("exp_avg", id, shape: value.shape), v = take("exp_avg_sq", id, shape: value.shape)
        let t = Int(take("step", id, shape: []).item) + 1
        let n = Int64(value.count), lr = learningRate, b1 = beta1, b2 = beta2, e = eps, wd = weightDecay, dec: Int32 = decoupled ? 1 : 0
        grad.withUnsafeBufferPointer { pg in
            value.withUnsafeMutableBufferPointer { pp in
                m.withUnsafeMutableBufferPointer { pm in
                    v.withUnsafeMutableBufferPointer { pv in
                        gk_adam_step(n, pp.baseAddress, pg.baseAddress, pm.baseAddress, pv.baseAddress, lr, b1, b2, e, wd, dec, Int64(t))
                    }
                }
            }
        }
        put("exp_avg", id, m); put("exp_avg_sq", id, v); put("step", id, Tensor(Float(t)))
    }
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's default wd = 0.01.
public final class AdamW: Adam {
    /// AdamW over named parameters with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999, eps 1e-8, weight decay 0.01).
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01, schedule: LearningRateSchedule? = nil) {
        super.init(named, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                   decoupled: true, schedule: schedule)
    }
    /// AdamW over parameters named by position.
    public convenience init(_ params: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            eps: Float = 1e-8, weightDecay: Float = 0.01, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  eps: eps, weightDecay: weightDecay, schedule: schedule)
    }
}

/// RMSProp: g += wd p; v = alpha v + (1 - alpha) g^2; centered: a = alpha a + (1 - alpha) g and v~ = v - a^2;
/// s = g / (sqrt(v~) + eps); with momentum: b = mu b + s, p -= lr b; else p -= lr s.
public final class RMSProp: Optimizer {
    /// Smoothing of the squared-gradient average, the denominator's epsilon, L2 weight decay, momentum, and whether the
    /// variance is centred by the mean gradient.
    public var alpha: Float, eps: Float, weightDecay: Float, momentum: Float, centered: Bool

    /// RMSProp over named parameters with PyTorch's defaults (lr 1e-2, alpha 0.99, eps 1e-8).
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
                weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false, schedule: LearningRateSchedule? = nil) {
        self.alpha = alpha; self.eps = eps; self.weightDecay = weightDecay; self.momentum = momentum; self.centered = centered
        super.init(named, learningRate: learningRate, schedule: schedule)
    }
    /// RMSProp over parameters named by position.
    public convenience init(_ params: [Parameter], learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
                            weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, alpha: alpha, eps: eps,
                  weightDecay: weightDecay, momentum: momentum, centered: centered, schedule: schedule)
    }

    /// `square_avg`, `grad_avg` and `momentum_buffer`, as torch.optim.RMSprop names them.
    public override var slotNames: [String] { ["square_avg", "grad_avg", "momentum_buffer"] }

    /// One RMSProp update of `value` from `grad`.
    public override func update(_ value: inout Tensor, grad: Tensor, id: ObjectIdentifier) {
        var g = grad.contiguous()
        if weightDecay != 0 { g.addScaled(value, weightDecay) }
        var v = take("square_avg", id, shape: value.shape)
        v = v * alpha; v.addScaled(g.squared(), 1 - alpha)
        put("square_avg", id, v)
        var denomSq = v
        if centered {
            var a = take("grad_avg", id, shape: value.shape)
            a = a * alpha; a.addScaled(g, 1 - alpha)
            put("grad_avg", id, a)
            denomSq = v - a.squared()
        }
        let e = eps
        let s = Tensor.zip(g, denomSq) { $0 / ($1.squareRoot() + e) }
        if momentum > 0 {
            var b = take("momentum_buffer", id, shape: value.shape)
            b = b * momentum; b.addScaled(s)
            put("momentum_buffer", id, b)
            value.addScaled(b, -learningRate)
        } else {
            value.addScaled(s, -learningRate)
        }
    }
}

/// AdaGrad: g += wd p; clr = lr / (1 + (t - 1) lrDecay); sum += g^2; p -= clr g / (sqrt(sum) + eps).
public final class AdaGrad: Optimizer {
    /// Learning-rate decay per step, L2 weight decay, the denominator's epsilon, and the starting sum of squares.
    public var lrDecay: Float, weightDecay: Float, eps: Float, initialAccumulator: Float

    /// AdaGrad over named parameters with PyTorch's defaults (lr 1e-2, eps 1e-10).
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float = 1e-2, lrDecay: Float = 0, weightDecay: Float = 0,
                initialAccumulator: Float = 0, eps: Float = 1e-10, schedule: LearningRateSchedule? = nil) {
        self.lrDecay = lrDecay; self.weightDecay = weightDecay; self.eps = eps; self.initialAccumulator = initialAccumulator
        super.init(named, learningRate: learningRate, schedule: schedule)
    }
    /// AdaGrad over parameters named by position.
    public convenience init(_ params: [Parameter], learningRate: Float = 1e-2, lrDecay: Float = 0, weightDecay: Float = 0,
                            initialAccumulator: Float = 0, eps: Float = 1e-10, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, lrDecay: lrDecay,
                  weightDecay: weightDecay, initialAccumulator: initialAccumulator, eps: eps, schedule: schedule)
    }

    /// `sum` and `step`, as torch.optim.Adagrad names them.
    public override var slotNames: [String] { ["sum", "step"] }

    /// One AdaGrad update of `value` from `grad`.
    public override func update(_ value: inout Tensor, grad: Tensor, id: ObjectIdentifier) {
        var g = grad.contiguous()
        if weightDecay != 0 { g.addScaled(value, weightDecay) }
        let t = Int(take("step", id, shape: []).item) + 1
        put("step", id, Tensor(Float(t)))
        var s = take("sum", id, shape: value.shape, initial: initialAccumulator)
        s.addScaled(g.squared())
        put("sum", id, s)
        let clr = learningRate / (1 + Float(t - 1) * lrDecay), e = eps
        value.addScaled(Tensor.zip(g, s) { $0 / ($1.squareRoot() + e) }, -clr)
    }
}
