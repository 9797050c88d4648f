// Reverse-mode automatic differentiation. A Variable holds a value and, when it was computed from other Variables
// with gradients enabled, the closure that turns its gradient into theirs. backward() walks the graph once in
// reverse topological order; leaves accumulate .grad across calls until zeroed.
import GridTensor

public final class Variable {
    public var value: Tensor
    /// Accumulated gradient (leaves that require grad), nil until a backward pass reaches it.
    public var grad: Tensor?
    public var requiresGrad: Bool
    public var name: String?

    let parents: [Variable]
    let backwardFn: ((Tensor) -> [Tensor?])?

    /// A leaf: a parameter (requiresGrad) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false, name: String? = nil) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
        self.parents = []
        self.backwardFn = nil
    }

    init(value: Tensor, parents: [Variable], backward: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        self.requiresGrad = true
        self.parents = parents
        self.backwardFn = backward
    }

    public var shape: [Int] { value.shape }
    public var isLeaf: Bool { backwardFn == nil }

    /// The result of an op: records the graph only when gradients are on and some input needs them.
    /// `backward` maps the output's gradient to one gradient per parent (nil where none is needed).
    public static func op(_ value: Tensor, _ parents: [Variable], backward: @escaping (Tensor) -> [Tensor?]) -> Variable {
        if GradMode.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            return Variable(value: value, parents: parents, backward: backward)
        }
        return Variable(value)
    }

    /// Same value, cut from the graph.
    public func detached() -> Variable { Variable(value) }

    public func zeroGrad() { grad = nil }

    /// Back-propagates from this variable. A non-scalar output needs the seed gradient (dL/dself).
    public func backward(_ seed: Tensor? = nil) {
        let start: Tensor
        if let seed {
            precondition(seed.shape == value.shape, "backward seed \(shapeDescription(seed.shape)) does not match output \(shapeDescription(value.shape))")
            start = seed
        } else {
            precondition(value.count == 1, "backward() without a seed needs a scalar output, got \(shapeDescription(value.shape))")
            start = Tensor(repeating: 1, shape: value.shape)
        }
        let order = topologicalOrder()
        var pending = [ObjectIdentifier: Tensor]()
        pending[ObjectIdentifier(self)] = start
        for node in order.reversed() {
            guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let fn = node.backwardFn else {
                if node.requiresGrad { node.accumulate(g) }
                continue
            }
            let grads = fn(g)
            for (p, pg) in zip(node.parents, grads) {
                guard let pg, p.requiresGrad else { continue }
                precondition(pg.shape == p.value.shape, "gradient \(shapeDescription(pg.shape)) does not match \(shapeDescription(p.value.shape))")
                let key = ObjectIdentifier(p)
                if var acc = pending[key] { pending[key] = nil; acc.addScaled(pg); pending[key] = acc } else { pending[key] = pg }
            }
        }
    }

    func accumulate(_ g: Tensor) {
        if grad == nil { grad = g.contiguous() } else { grad!.addScaled(g) }
    }

    /// Nodes reachable from self, every node after all of its parents.
    func topologicalOrder() -> [Variable] {
        var order = [Variable]()
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) { stack.append((p, false)) }
        }
        return order
    }
}

/// Whether ops record the graph. Off for inference: no graph, less memory.
/// Task-local (thread-local outside tasks), so a no-grad block on one thread or task never stops another recording.
public enum GradMode {
    @TaskLocal static var enabled = true

    public static var isEnabled: Bool { enabled }

    /// Runs body with graph recording off (restored afterwards).
    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(false) { try body() }
    }
}
