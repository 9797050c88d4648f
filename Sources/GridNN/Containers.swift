// Layers made of layers: Sequential, Residual, Concat, and small adaptors.
import GridTensor
import GridAutograd

/// Applies layers in order. Sublayers are named "0", "1", ... (as PyTorch's nn.Sequential).
public final class Sequential: Module {
    public private(set) var layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public func append(_ layer: any Layer) {
        layer.isTraining = isTraining
        layers.append(layer)
    }

    public var count: Int { layers.count }
    public subscript(i: Int) -> any Layer { layers[i] }

    public override var namedChildren: [(name: String, layer: any Layer)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    public override func forward(_ x: Variable) -> Variable { layers.reduce(x) { $1($0) } }
}

/// y = body(x) + shortcut(x), the shortcut being identity when nil (shapes must then match; broadcasting applies).
public final class Residual: Module {
    public let body: any Layer
    public let shortcut: (any Layer)?
    public init(_ body: any Layer, shortcut: (any Layer)? = nil) { self.body = body; self.shortcut = shortcut }
    public override func forward(_ x: Variable) -> Variable {
        let y = body(x)
        return y + (shortcut.map { $0(x) } ?? x)
    }
}

/// Runs every branch on the same input and joins the results along `axis` (channels by default):
/// [N, C1, ...], [N, C2, ...] -> [N, C1 + C2, ...].
public final class Concat: Module {
    public let branches: [any Layer]
    public let axis: Int
    public init(_ branches: [any Layer], axis: Int = 1) { self.branches = branches; self.axis = axis }
    public override func forward(_ x: Variable) -> Variable { Variable.concatenate(branches.map { $0(x) }, axis: axis) }
}

/// Joins tensors along the channel axis: [N, C1, ...] ++ [N, C2, ...] -> [N, C1 + C2, ...] (U-Net skips).
public func concatChannels(_ parts: [Variable]) -> Variable { Variable.concatenate(parts, axis: 1) }

/// Identity layer (placeholder where a config turns a layer off).
public final class Identity: Module {
    public override init() {}
    public override func forward(_ x: Variable) -> Variable { x }
}

/// A parameter-free function as a layer, with a type name for summaries.
public final class Lambda: Module {
    private let _fn: (Variable) -> Variable
    private let _name: String
    public init(_ name: String, _ fn: @escaping (Variable) -> Variable) { _fn = fn; _name = name }
    public override var typeName: String { _name }
    public override func forward(_ x: Variable) -> Variable { _fn(x) }
}
