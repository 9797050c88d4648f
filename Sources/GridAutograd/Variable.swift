// Reverse-mode automatic differentiation. A Variable holds a value and, when it was computed from other Variables
// with gradients enabled, the closure that turns its gradient into theirs. backward() walks the graph once in
// reverse topological order; leaves accumulate .grad across calls until zeroed.
import GridTensor

/// A tensor value in a differentiable computation. Operations on variables record the graph when gradient recording
/// is on (``GradMode``) and some input requires a gradient; ``backward(_:retainGraph:)`` then fills `grad` on the
/// leaves that require one. A reference type: build and differentiate a graph on one thread.
public final class Variable {
    /// The value (any shape; gridcnn's layouts are `[N, C, H, W]`, `[N, C, T]`).
    public var value: Tensor
    /// Accumulated gradient (leaves that require grad), nil until a backward pass reaches it.
    public var grad: Tensor?
    /// Whether a gradient should flow into this variable (true for trainable parameters and every recorded result).
    public var requiresGrad: Bool
    /// An optional label for debugging and summaries.
    public var name: String?

    /// Where this variable sits in the recorded graph: set for op results, made on first use for leaves.
    private var ownNode: GradNode?

    /// A leaf: a parameter (requiresGrad) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false, name: String? = nil) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
    }

    init(value: Tensor, node: GradNode) {
        self.value = value
        self.requiresGrad = true
        self.ownNode = node
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// True unless this variable is the recorded result of an operation (leaves accumulate `grad`).
    public var isLeaf: Bool { !(ownNode?.isOp ?? false) }
    /// The graph nodes of the inputs this variable was computed from (nil where an input needed no gradient).
    var parents: [GradNode?] { ownNode?.parents ?? [] }

    /// This variable's node for a new op that uses it, or nil when no gradient should flow into it.
    var node: GradNode? {
        guard requiresGrad else { return nil }
        if let n = ownNode { return n }
        let n = GradNode(leaf: self)
        ownNode = n
        return n
    }

    /// The result of an op: records the graph only when gradients are on and some input needs them.
    /// `backward` maps the output's gradient to one gradient per parent (nil where none is needed).
    /// The graph keeps nodes, not values: an intermediate result is freed as soon as neither the caller nor a
    /// backward closure holds it (as in PyTorch), which is what bounds a training step's memory.
    public static func op(_ value: Tensor, _ parents: [Variable], backward: @escaping (Tensor) -> [Tensor?]) -> Variable {
        if GradMode.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            return Variable(value: value, node: GradNode(parents: parents.map(\.node), shape: value.shape, backward: backward))
        }
        return Variable(value)
    }

    /// Same value, cut from the graph.
    public func detached() -> Variable { Variable(value) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Back-propagates from this variable. A non-scalar output needs the seed gradient (dL/dself).
    /// Each op's saved tensors are released as soon as its gradient has been passed on (as PyTorch does), so a
    /// graph can be walked once; `retainGraph` keeps it for another backward pass.
    public func backward(_ seed: Tensor? = nil, retainGraph: Bool = false) {
        let start: Tensor
        if let seed {
            precondition(seed.shape == value.shape, "backward seed \(shapeDescription(seed.shape)) does not match output \(shapeDescription(value.shape))")
            start = seed
        } else {
            precondition(value.count == 1, "backward() without a seed needs a scalar output, got \(shapeDescription(value.shape))")
            start = Tensor(repeating: 1, shape: value.shape)
        }
        guard let root = node else { return }
        let order = root.topologicalOrder()
        var pending = [ObjectIdentifier: Tensor]()
        pending[ObjectIdentifier(root)] = start
        for n in order.reversed() {
            guard let g = pending.removeValue(forKey: ObjectIdentifier(n)) else { continue }
            guard n.isOp else {
                if let leaf = n.leaf, leaf.requiresGrad { leaf.accumulate(g) }
                continue
            }
            guard let fn = n.backwardFn else {
                preconditionFailure("backward through a graph that was already back-propagated (pass retainGraph: true to the first backward)")
            }
            if !retainGraph { n.backwardFn = nil }
            let grads = fn(g)
            for (p, pg) in zip(n.parents, grads) {
                guard let p, let pg, p.requiresGrad else { continue }
                precondition(pg.shape == p.shape, "gradient \(shapeDescription(pg.shape)) does not match \(shapeDescription(p.shape))")
                let key = ObjectIdentifier(p)
                if var acc = pending[key] { pending[key] = nil; acc.addScaled(pg); pending[key] = acc } else { pending[key] = pg }
            }
        }
    }

    func accumulate(_ g: Tensor) {
        if grad == nil { grad = g.contiguous() } else { grad!.addScaled(g) }
    }
}

/// One recorded op (or a leaf that takes gradients): its inputs' nodes, the closure mapping its output gradient to
/// theirs, and the output's shape, but not the output value itself.
final class GradNode {
    let parents: [GradNode?]
    /// nil for leaves, and for ops once a backward pass has used (and released) it.
    var backwardFn: ((Tensor) -> [Tensor?])?
    let isOp: Bool
    let shape: [Int]
    /// The leaf variable whose .grad collects this node's gradient (weak: a dropped leaf has nowhere to put it).
    weak var leaf: Variable?

    init(parents: [GradNode?], shape: [Int], backward: @escaping (Tensor) -> [Tensor?]) {
        self.parents = parents
        self.backwardFn = backward
        self.isOp = true
        self.shape = shape
    }

    init(leaf: Variable) {
        self.parents = []
        self.backwardFn = nil
        self.isOp = false
        self.shape = leaf.value.shape
        self.leaf = leaf
    }

    /// Op nodes always pass gradients on; a leaf's wish can change after the op was recorded (freezing).
    var requiresGrad: Bool { isOp || (leaf?.requiresGrad ?? false) }

    /// Nodes reachable from self, every node after all of its parents.
    func topologicalOrder() -> [GradNode] {
        var order = [GradNode]()
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for case let p? in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) { stack.append((p, false)) }
        }
        return order
    }
}

/// Whether ops record the graph. Off for inference: no graph, less memory.
/// Task-local (thread-local outside tasks), so a no-grad block on one thread or task never stops another recording.
public enum GradMode {
    @TaskLocal static var enabled = true

    /// Whether operations record the graph here (false inside ``withNoGrad(_:)``; task- and thread-local).
    public static var isEnabled: Bool { enabled }

    /// Runs body with graph recording off (restored afterwards).
    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(false) { try body() }
    }
}
