// Layers and their bookkeeping: hierarchical names for parameters and buffers (checkpoints), train/eval mode that
// reaches every sublayer, and freezing for fine-tuning. Built-in layers subclass `Module`, which discovers
// sublayers, parameters and buffers from its stored properties, so a new model needs no registration code.
import Foundation
import GridTensor
import GridAutograd

/// A trainable tensor: a leaf Variable with requiresGrad (set requiresGrad = false to freeze it).
public typealias Parameter = Variable

/// A named non-trainable tensor that belongs to a layer's state (batch-norm running statistics).
/// A class so that the layer and a checkpoint loader share the one value.
public final class Buffer {
    /// The current value (replaced, not mutated in place, by training and loading).
    public var value: Tensor
    /// A buffer holding `value`.
    public init(_ value: Tensor) { self.value = value }
}

/// Anything that maps a Variable to a Variable and owns parameters.
public protocol Layer: AnyObject {
    /// Applies the layer to `x`.
    func callAsFunction(_ x: Variable) -> Variable
    /// Training mode (dropout active, batch norm uses batch statistics). Setting it reaches every sublayer.
    var isTraining: Bool { get set }
    /// Direct sublayers, in a fixed order, with names unique within this layer.
    var namedChildren: [(name: String, layer: any Layer)] { get }
    /// Parameters held by this layer itself (not its sublayers).
    var localParameters: [(name: String, param: Parameter)] { get }
    /// Buffers held by this layer itself.
    var localBuffers: [(name: String, buffer: Buffer)] { get }
    /// Short type name for summaries ("Conv", "ReLU").
    var typeName: String { get }
}

extension Layer {
    /// Every parameter, named by its path ("down.0.conv1.weight"). A parameter shared by two layers appears once.
    public var parameters: [(name: String, param: Parameter)] {
        var seen = Set<ObjectIdentifier>(), out = [(name: String, param: Parameter)]()
        walk { prefix, layer in
            for (n, p) in layer.localParameters where seen.insert(ObjectIdentifier(p)).inserted { out.append((prefix + n, p)) }
        }
        return out
    }

    /// Every buffer, named by its path ("down.0.bn1.runningMean").
    public var buffers: [(name: String, buffer: Buffer)] {
        var seen = Set<ObjectIdentifier>(), out = [(name: String, buffer: Buffer)]()
        walk { prefix, layer in
            for (n, b) in layer.localBuffers where seen.insert(ObjectIdentifier(b)).inserted { out.append((prefix + n, b)) }
        }
        return out
    }

    /// This layer (named "") and every sublayer, depth first, named by path.
    public var namedModules: [(name: String, layer: any Layer)] {
        var out = [(name: String, layer: any Layer)]()
        walk { prefix, layer in out.append((prefix.isEmpty ? "" : String(prefix.dropLast()), layer)) }
        return out
    }

    /// Calls body(prefix, layer) for self and every sublayer; prefix ends with "." except at the root.
    func walk(_ prefix: String = "", _ body: (String, any Layer) -> Void) {
        body(prefix, self)
        for (n, c) in namedChildren { c.walk(prefix + n + ".", body) }
    }

    /// Parameters that the optimiser should update (requiresGrad).
    public var trainableParameters: [Parameter] { parameters.map(\.param).filter(\.requiresGrad) }

    /// Number of scalars in all parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.param.value.count } }
    /// Number of scalars in the parameters that require gradients (all but frozen ones).
    public var trainableParameterCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }

    /// Training mode for this layer and every sublayer: dropout active, batch norm on batch statistics.
    public func train() { isTraining = true }
    /// Evaluation mode for this layer and every sublayer: dropout off, batch norm on its running statistics.
    public func eval() { isTraining = false }

    /// Freezes (requiresGrad = false) every parameter whose path satisfies the predicate (all by default).
    public func freeze(where predicate: (String) -> Bool = { _ in true }) {
        for (n, p) in parameters where predicate(n) { p.requiresGrad = false; p.grad = nil }
    }
    /// Freezes every parameter whose path starts with one of the prefixes ("down.", "mid.").
    public func freeze(prefixes: [String]) { freeze { n in prefixes.contains { n.hasPrefix($0) } } }
    /// Makes every parameter whose path satisfies the predicate (all by default) trainable again.
    public func unfreeze(where predicate: (String) -> Bool = { _ in true }) {
        for (n, p) in parameters where predicate(n) { p.requiresGrad = true }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters { p.grad = nil } }

    /// Parameters and buffers by path: what a checkpoint stores.
    public func stateDict() -> [String: Tensor] {
        var out = [String: Tensor]()
        for (n, p) in parameters { out[n] = p.value }
        for (n, b) in buffers { out[n] = b.value }
        return out
    }

    /// Loads parameters and buffers by path. Shapes must match; `strict` also rejects missing or extra names.
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        var used = Set<String>()
        var missing = [String]()
        for (n, p) in parameters {
            guard let t = stateDict[n] else { missing.append(n); continue }
            guard t.shape == p.value.shape else {
                throw StateError("\(n): stored shape \(shapeDescription(t.shape)) does not match \(shapeDescription(p.value.shape))")
            }
            p.value = t.contiguous(); used.insert(n)
        }
        for (n, b) in buffers {
            guard let t = stateDict[n] else { missing.append(n); continue }
            guard t.shape == b.value.shape else {
                throw StateError("\(n): stored shape \(shapeDescription(t.shape)) does not match \(shapeDescription(b.value.shape))")
            }
            b.value = t.contiguous(); used.insert(n)
        }
        if strict {
            if !missing.isEmpty { throw StateError("missing from the state: \(missing.sorted().joined(separator: ", "))") }
            let extra = Set(stateDict.keys).subtracting(used)
            if !extra.isEmpty { throw StateError("unexpected names in the state: \(extra.sorted().joined(separator: ", "))") }
        }
    }
}

/// A state dictionary that does not fit a model or optimiser.
public struct StateError: GridFailure, Equatable {
    /// The message, naming the parameter or buffer.
    public let description: String
    /// An error with its message.
    public init(_ description: String) { self.description = description }
}

/// Base class of the built-in layers. Subclasses override `forward`; calling the layer goes through
/// `callAsFunction`, which also reports to an active `LayerTrace` (for summaries).
/// Stored properties are found by reflection: a `Parameter` (or `Parameter?`, `[Parameter]`) is a parameter, a
/// `Buffer` a buffer, a `Layer` (or `[Layer]`, `Layer?`) a sublayer, named by the property ("conv1", "down.0").
/// Properties whose name starts with "_" are skipped (use that for cached, non-state Variables).
open class Module: Layer {
    /// A module with no state of its own; subclasses add stored properties.
    public init() {}

    /// The layer's computation; subclasses override it (the base traps).
    open func forward(_ x: Variable) -> Variable { preconditionFailure("\(typeName) does not implement forward(_:)") }

    /// Runs ``forward(_:)``, recording the call in the thread's active ``LayerTrace`` if any.
    public final func callAsFunction(_ x: Variable) -> Variable {
        guard let trace = LayerTrace.active else { return forward(x) }
        let row = trace.enter(self)
        let y = forward(x)
        trace.exit(row, output: y.shape)
        return y
    }

    /// Training mode; setting it reaches every sublayer. Models start in training mode.
    public var isTraining: Bool = true {
        didSet { for (_, c) in namedChildren { c.isTraining = isTraining } }
    }

    /// The class name, for summaries (override for a friendlier one).
    open var typeName: String { String(describing: type(of: self)) }

    /// Sublayers found by reflection on stored properties (`Layer`, `Layer?`, `[Layer]`), named by the property.
    open var namedChildren: [(name: String, layer: any Layer)] { reflect().children }
    /// Parameters found by reflection on stored properties (`Parameter`, `Parameter?`, `[Parameter]`).
    open var localParameters: [(name: String, param: Parameter)] { reflect().params }
    /// Buffers found by reflection on stored properties.
    open var localBuffers: [(name: String, buffer: Buffer)] { reflect().buffers }

    private func reflect() -> (children: [(name: String, layer: any Layer)], params: [(name: String, param: Parameter)],
                               buffers: [(name: String, buffer: Buffer)]) {
        var children = [(name: String, layer: any Layer)](), params = [(name: String, param: Parameter)]()
        var buffers = [(name: String, buffer: Buffer)]()
        // Superclass properties first, so a subclass's names follow its base's.
        var mirrors = [Mirror]()
        var m: Mirror? = Mirror(reflecting: self)
        while let cur = m { mirrors.insert(cur, at: 0); m = cur.superclassMirror }
        for mirror in mirrors {
            for child in mirror.children {
                guard let label = child.label, !label.hasPrefix("_"), !label.contains("$") else { continue }
                let v = child.value
                if let p = v as? Parameter { params.append((label, p)) }
                else if let b = v as? Buffer { buffers.append((label, b)) }
                else if let l = v as? any Layer { children.append((label, l)) }
                else if let ls = v as? [any Layer] { for (i, l) in ls.enumerated() { children.append(("\(label).\(i)", l)) } }
                else if let ps = v as? [Parameter] { for (i, p) in ps.enumerated() { params.append(("\(label).\(i)", p)) } }
            }
        }
        return (children, params, buffers)
    }
}

/// Records one row per layer call made on this thread while active (ModelSummary uses it). The active trace is
/// per thread, so models running on other threads are not recorded.
public final class LayerTrace {
    /// One recorded layer call.
    public struct Row {
        /// The layer called.
        public let layer: any Layer
        /// Nesting depth of the call (0 for the outermost).
        public let depth: Int
        /// The shape the call returned.
        public var outputShape: [Int] = []
    }
    /// The calls in the order they began.
    public private(set) var rows = [Row]()
    private var depth = 0

    /// An empty trace; make it active with ``record(_:)``.
    public init() {}

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        precondition(pthread_key_create(&k, nil) == 0, "pthread_key_create failed")
        return k
    }()

    /// The trace recording on the current thread, if any.
    public static var active: LayerTrace? {
        pthread_getspecific(key).map { Unmanaged<LayerTrace>.fromOpaque($0).takeUnretainedValue() }
    }

    func enter(_ layer: any Layer) -> Int {
        rows.append(Row(layer: layer, depth: depth)); depth += 1
        return rows.count - 1
    }
    func exit(_ row: Int, output: [Int]) { rows[row].outputShape = output; depth -= 1 }

    /// Runs body with this trace active on the current thread.
    public func record<R>(_ body: () throws -> R) rethrows -> R {
        let old = pthread_getspecific(LayerTrace.key)
        pthread_setspecific(LayerTrace.key, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(LayerTrace.key, old) }
        return try withExtendedLifetime(self) { try body() }
    }
}
