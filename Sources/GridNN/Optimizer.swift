// Optimiser base: the parameter list, per-parameter state slots keyed by parameter identity, learning-rate schedule,
// gradient clipping, and state export/import as named tensors for checkpoints
// ("<param name>.<slot>", e.g. "down.0.conv1.weight.exp_avg", plus "step").
import Foundation
import GridTensor
import GridAutograd

/// The base of the optimisers: the parameters it updates (named, so its state exports as `<name>.<slot>` tensors for
/// checkpoints), per-parameter state slots, the learning-rate schedule and gradient clipping. A reference type that
/// updates the parameters in place: one optimiser per model, stepped from one thread.
open class Optimizer {
    /// The parameters updated, with names used for the exported state.
    public let namedParameters: [(name: String, param: Parameter)]
    /// The parameters updated, in order.
    public var parameters: [Parameter] { namedParameters.map(\.param) }
    /// Learning rate of the next step (set by `schedule` when there is one).
    public var learningRate: Float
    /// The rate the schedule scales.
    public var baseLearningRate: Float
    /// Sets `learningRate` from `baseLearningRate` before each step; nil keeps it as set.
    public var schedule: LearningRateSchedule?
    /// Steps taken so far.
    public private(set) var stepCount = 0
    /// Per-slot state, keyed by parameter identity.
    var slots = [String: [ObjectIdentifier: Tensor]]()

    /// Parameters named by path (model.parameters) so exported state reads "name.slot".
    public init(_ named: [(name: String, param: Parameter)], learningRate: Float, schedule: LearningRateSchedule? = nil) {
        precondition(Set(named.map(\.name)).count == named.count, "optimiser parameter names must be unique")
        namedParameters = named; self.learningRate = learningRate; baseLearningRate = learningRate; self.schedule = schedule
    }

    /// Unnamed parameters are named by position ("0", "1", ...).
    public convenience init(_ params: [Parameter], learningRate: Float, schedule: LearningRateSchedule? = nil) {
        self.init(params.enumerated().map { ("\($0.offset)", $0.element) }, learningRate: learningRate, schedule: schedule)
    }

    /// Names of the state slots this optimiser keeps ("momentum_buffer", "exp_avg", ...).
    open var slotNames: [String] { [] }

    /// Updates one parameter from its gradient (subclasses). `value` is the parameter's tensor, updated in place.
    open func update(_ value: inout Tensor, grad: Tensor, id: ObjectIdentifier) { fatalError("\(type(of: self)) does not implement update") }

    /// One update of every parameter that requires grad and has a gradient (others keep value and state, as PyTorch).
    public func step() {
        if let schedule { learningRate = schedule.rate(base: baseLearningRate, step: stepCount) }
        for (_, p) in namedParameters where p.requiresGrad {
            guard let g = p.grad else { continue }
            precondition(g.shape == p.value.shape, "gradient \(shapeDescription(g.shape)) does not match parameter \(shapeDescription(p.value.shape))")
            update(&p.value, grad: g, id: ObjectIdentifier(p))
        }
        stepCount += 1
    }

    /// Clears every parameter's gradient (call before each backward pass: gradients accumulate).
    public func zeroGrad() { for (_, p) in namedParameters { p.grad = nil } }

    /// Scales all gradients so that their joint L2 norm is at most maxNorm; returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float { clipGradNorm(parameters, maxNorm: maxNorm) }

    /// Takes a slot's tensor out of the store (zeros of `shape` when absent), so that writing to it does not copy.
    func take(_ slot: String, _ id: ObjectIdentifier, shape: [Int], initial: Float = 0) -> Tensor {
        slots[slot, default: [:]].removeValue(forKey: id) ?? Tensor(repeating: initial, shape: shape)
    }
    func put(_ slot: String, _ id: ObjectIdentifier, _ t: Tensor) { slots[slot, default: [:]][id] = t }
    func has(_ slot: String, _ id: ObjectIdentifier) -> Bool { slots[slot]?[id] != nil }

    /// The whole state as named tensors: "<param>.<slot>" per parameter and slot, "step" (a scalar), "lr".
    public func state() -> [String: Tensor] {
        var out = ["step": Tensor(Float(stepCount)), "lr": Tensor(learningRate)]
        for (name, p) in namedParameters {
            for (slot, table) in slots { if let t = table[ObjectIdentifier(p)] { out["\(name).\(slot)"] = t } }
        }
        return out
    }

    /// Restores `state()` output (of an optimiser of the same type over parameters with the same names and shapes).
    public func load(state: [String: Tensor]) throws {
        guard let step = state["step"] else { throw StateError("optimiser state has no step count") }
        var newSlots = [String: [ObjectIdentifier: Tensor]]()
        var used: Set<String> = ["step", "lr"]
        for (name, p) in namedParameters {
            for slot in slotNames {
                let key = "\(name).\(slot)"
                guard let t = state[key] else { continue }
                guard t.shape == p.value.shape || t.count == 1 else {
                    throw StateError("\(key): stored shape \(shapeDescription(t.shape)) does not match \(shapeDescription(p.value.shape))")
                }
                newSlots[slot, default: [:]][ObjectIdentifier(p)] = t.contiguous(); used.insert(key)
            }
        }
        let extra = Set(state.keys).subtracting(used)
        guard extra.isEmpty else { throw StateError("unexpected names in the optimiser state: \(extra.sorted().joined(separator: ", "))") }
        slots = newSlots
        stepCount = Int(step.item)
        if let lr = state["lr"] { learningRate = lr.item }
    }
}

/// Scales the gradients of `params` in place so that their joint L2 norm is at most maxNorm
/// (factor maxNorm / (norm + 1e-6) when norm > maxNorm, as torch.nn.utils.clip_grad_norm_). Returns the norm.
@discardableResult
public func clipGradNorm(_ params: [Parameter], maxNorm: Float) -> Float {
    var sq = 0.0
    for p in params { p.grad?.withUnsafeBufferPointer { for v in $0 { sq += Double(v) * Double(v) } } }
    let norm = Float(sq.squareRoot())
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 { for p in params where p.grad != nil { p.grad = p.grad! * coef } }
    return norm
}

/// Clamps every gradient element to [-limit, limit].
public func clipGradValue(_ params: [Parameter], limit: Float) {
    for p in params where p.grad != nil { p.grad = p.grad!.clamped(min: -limit, max: limit) }
}

/// Learning rate as a function of the step (0-based: step t uses rate(t), as PyTorch's schedulers stepped per batch).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// base * gamma^floor(t / every) (StepLR).
    case step(every: Int, gamma: Float = 0.1)
    /// min + (base - min) * (1 + cos(pi * t / total)) / 2, held at min after total (CosineAnnealingLR).
    case cosine(totalSteps: Int, minimum: Float = 0)
    /// base * (t + 1) / warmup for t < warmup, then cosine from base to min over the remaining steps.
    case warmupCosine(warmupSteps: Int, totalSteps: Int, minimum: Float = 0)

    /// The learning rate of step `t` (0-based) for base rate `base`.
    public func rate(base: Float, step t: Int) -> Float {
        switch self {
        case .constant: return base
        case let .step(every, gamma): return base * Foundation.pow(gamma, Float(t / max(every, 1)))
        case let .cosine(total, lo):
            let f = Double(min(t, total)) / Double(max(total, 1))
            return lo + (base - lo) * Float((1 + Foundation.cos(Double.pi * f)) / 2)
        case let .warmupCosine(warm, total, lo):
            if t < warm { return base * Float(t + 1) / Float(warm) }
            let f = Double(min(t - warm, total - warm)) / Double(max(total - warm, 1))
            return lo + (base - lo) * Float((1 + Foundation.cos(Double.pi * f)) / 2)
        }
    }
}
