// Layers made of layers: Sequential, Residual, Concat, and small adaptors.
import GridTensor
import GridAutograd

/// Applies layers in order. Sublayers are named "0", "1", ... (as PyTorch's nn.Sequential).
public final class Sequential: Module {
    /// The layers, applied in order; their names in parameter paths are their indices (`0.weight`, `1.weight`).
    public private(set) var layers: [any Layer]

    /// A container applying `layers` in order.
    public init(_ layers: [any Layer]) { self.layers = layers }
    /// A container applying the given layers in order.
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Adds `layer` at the end (named by its index).
    public func append(_ layer: any Layer) {
        layer.isTraining = isTraining
        layers.append(layer)
    }

    /// The number of layers.
    public var count: Int { layers.count }
    /// The `i`-th layer.
    public subscript(i: Int) -> any Layer { layers[i] }

    /// The layers named by their indices.
    public override var namedChildren: [(name: String, layer: any Layer)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// `x` through every layer in order.
    public override func forward(_ x: Variable) -> Variable { layers.reduce(x) { $1($0) } }
}

/// y = body(x) + shortcut(x), the shortcut being identity when nil (shapes must then match; broadcasting applies).
public final class Residual: Module {
    /// The residual branch.
    public let body: any Layer
    /// The projection added instead of `x` (e.g. a 1x1 convolution when channels or strides change); nil for identity.
    public let shortcut: (any Layer)?
    /// body(x) + shortcut(x), the shortcut being the identity when nil.
    public init(_ body: any Layer, shortcut: (any Layer)? = nil) { self.body = body; self.shortcut = shortcut }
    /// body(x) + shortcut(x) (or + x).
    public override func forward(_ x: Variable) -> Variable {
        let y = body(x)
        return y + (shortcut.map { $0(x) } ?? x)
    }
}

/// Runs every branch on the same input and joins the results along `axis` (channels by default):
/// [N, C1, ...], [N, C2, ...] -> [N, C1 + C2, ...].
public final class Concat: Module {
    /// The branches, each run on the same input.
    public let branches: [any Layer]
    /// The axis the results are joined along (1: channels).
    public let axis: Int
    /// Joins the branches' outputs along `axis` (all other axes must agree).
    public init(_ branches: [any Layer], axis: Int = 1) { self.branches = branches; self.axis = axis }
    /// Every branch on `x`, joined along `axis`.
    public override func forward(_ x: Variable) -> Variable { Variable.concatenate(branches.map { $0(x) }, axis: axis) }
}

/// Joins tensors along the channel axis: [N, C1, ...] ++ [N, C2, ...] -> [N, C1 + C2, ...] (U-Net skips).
public func concatChannels(_ parts: [Variable]) -> Variable { Variable.concatenate(parts, axis: 1) }

/// Identity layer (placeholder where a config turns a layer off).
public final class Identity: Module {
    /// A layer that returns its input.
    public override init() {}
    /// `x` itself.
    public override func forward(_ x: Variable) -> Variable { x }
}

/// A parameter-free function as a layer, with a type name for summaries.
public final class Lambda: Module {
    private let _fn: (Variable) -> Variable
    private let _name: String
    /// A layer applying `fn`, shown as `name` in summaries. `fn` must hold no parameters (they would not be trained or saved).
    public init(_ name: String, _ fn: @escaping (Variable) -> Variable) { _fn = fn; _name = name }
    /// The name given.
    public override var typeName: String { _name }
    /// `fn(x)`.
    public override func forward(_ x: Variable) -> Variable { _fn(x) }
}
