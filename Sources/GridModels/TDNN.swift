// Time-delay neural network (Waibel et al. 1987/1989): 1-D convolutions over time shared across positions.
// Default = the phoneme network: input [N, 16, 15] (16 mel coefficients x 15 frames) -> conv 16->8 k3, sigmoid
// -> [N, 8, 13] -> conv 8->3 k5, sigmoid -> [N, 3, 9] -> sum over time -> [N, 3] scores.
import GridTensor
import GridAutograd
import GridNN

/// A time-delay network's configuration (Waibel et al. 1989); the default is the phoneme network on 16 mel
/// coefficients x 15 frames.
public struct TDNNConfig: Codable, Equatable, Sendable {
    /// Channel widths from the input to the output layer (input features first).
    public var channels: [Int] = [16, 8, 3]
    /// Time-window (kernel) of each layer; one fewer than channels.
    public var kernels: [Int] = [3, 5]
    /// Time dilation of each layer (1 = Waibel's contiguous delays); deeper TDNNs widen context with it.
    public var dilations: [Int]? = nil
    /// The activation after every layer (sigmoid, as Waibel's).
    public var activation: ActivationKind = .sigmoid
    /// Integrate the last layer over time into one score per class (Waibel's output layer).
    public var sumOverTime: Bool = true
    /// Frames in the default input (summary and registry).
    public var frames: Int = 15

    /// A configuration (not checked here: ``TDNN`` traps unless there is one kernel per layer, one fewer than channels).
    public init(channels: [Int] = [16, 8, 3], kernels: [Int] = [3, 5], dilations: [Int]? = nil, activation: ActivationKind = .sigmoid,
                sumOverTime: Bool = true, frames: Int = 15) {
        self.channels = channels; self.kernels = kernels; self.dilations = dilations; self.activation = activation
        self.sumOverTime = sumOverTime; self.frames = frames
    }

    /// Frames lost per layer: output T = input T - sum(dilation * (kernel - 1)).
    public var contextFrames: Int { zip(kernels, dilations ?? kernels.map { _ in 1 }).reduce(0) { $0 + $1.1 * ($1.0 - 1) } }
}

/// [N, C0, T] -> [N, classes] (sumOverTime) or [N, classes, T - contextFrames].
public final class TDNN: Module {
    /// The configuration it was built from.
    public let config: TDNNConfig
    /// The 1-D convolutions and their activations.
    public let body: Sequential

    /// The network with weights drawn from `seed`; traps unless `channels` has one entry more than `kernels`.
    public init(_ config: TDNNConfig = TDNNConfig(), seed: UInt64 = 0) {
        precondition(config.channels.count == config.kernels.count + 1, "TDNN needs one kernel per layer: \(config.channels) vs \(config.kernels)")
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let dil = config.dilations ?? config.kernels.map { _ in 1 }
        var layers = [any Layer]()
        for i in 0..<config.kernels.count {
            layers.append(Conv(ConvConfig(config.channels[i], config.channels[i + 1], kernel: config.kernels[i], rank: 1,
                                          dilation: dil[i]), rng: &rng))
            layers.append(Activation(config.activation))
        }
        body = Sequential(layers)
    }

    /// The per-frame output layer activations [N, classes, T'].
    public func frameScores(_ x: Variable) -> Variable { body(x) }

    /// `[N, C0, T]` -> `[N, classes]` (summed over time) or `[N, classes, T - contextFrames]`.
    public override func forward(_ x: Variable) -> Variable {
        let y = body(x)
        return config.sumOverTime ? y.sum(axes: [2]) : y
    }
}
