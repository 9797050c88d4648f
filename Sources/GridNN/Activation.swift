// Activations as layers (shape kept), chosen by a Codable enum so configs can name them.
import GridTensor
import GridAutograd

/// An activation function by name, so that Codable model configs can choose one. Every kind keeps the input's shape.
public enum ActivationKind: Codable, Equatable, Sendable {
    case identity, relu, gelu, geluTanh, sigmoid, tanh, softplus
    case leakyRelu(slope: Float = 0.01)
    case elu(alpha: Float = 1)
    /// 1.7159 tanh(2x/3) (LeCun 1998).
    case lecunTanh
    case softmax(axis: Int = 1)
    case logSoftmax(axis: Int = 1)

    /// Applies the function to `x` (differentiably).
    public func apply(_ x: Variable) -> Variable {
        switch self {
        case .identity: return x
        case .relu: return x.relu()
        case .gelu: return x.gelu()
        case .geluTanh: return x.geluTanh()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .softplus: return x.softplus()
        case let .leakyRelu(s): return x.leakyRelu(s)
        case let .elu(a): return x.elu(a)
        case .lecunTanh: return x.lecunTanh()
        case let .softmax(ax): return x.softmax(axis: ax)
        case let .logSoftmax(ax): return x.logSoftmax(axis: ax)
        }
    }

    /// PyTorch's class name ("ReLU", "Tanh").
    public var name: String {
        switch self {
        case .identity: return "Identity"
        case .relu: return "ReLU"
        case .gelu, .geluTanh: return "GELU"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .softplus: return "Softplus"
        case .leakyRelu: return "LeakyReLU"
        case .elu: return "ELU"
        case .lecunTanh: return "LeCunTanh"
        case .softmax: return "Softmax"
        case .logSoftmax: return "LogSoftmax"
        }
    }
}

/// An activation function as a layer.
public final class Activation: Module {
    /// The function applied.
    public let kind: ActivationKind
    /// A layer applying `kind`.
    public init(_ kind: ActivationKind) { self.kind = kind }
    /// PyTorch's class name of the function, for summaries.
    public override var typeName: String { kind.name }
    /// `kind` applied to `x`; same shape.
    public override func forward(_ x: Variable) -> Variable { kind.apply(x) }

    /// A new ReLU layer.
    public static var relu: Activation { Activation(.relu) }
    /// A new tanh layer.
    public static var tanh: Activation { Activation(.tanh) }
    /// A new sigmoid layer.
    public static var sigmoid: Activation { Activation(.sigmoid) }
}

/// PReLU with one learned slope per channel (axis 1): y = x if x > 0 else a_c * x. Shape kept.
public final class PReLU: Module {
    /// The learned slopes, `[C]`, one per channel.
    public let weight: Parameter
    /// A PReLU for `channels` channels, every slope starting at `initial` (PyTorch's 0.25).
    public init(channels: Int, initial: Float = 0.25) {
        weight = Parameter(Tensor(repeating: initial, shape: [channels]), requiresGrad: true)
    }
    /// `x` (`[N, C, ...]`) with negative values scaled by their channel's slope.
    public override func forward(_ x: Variable) -> Variable { x.prelu(weight) }
}
