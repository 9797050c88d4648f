// Batch norm (any spatial rank), local response norm, and dropout with its own seeded generator.
import GridTensor
import GridAutograd

/// Settings of a batch normalisation layer (PyTorch's defaults).
public struct BatchNormConfig: Codable, Equatable, Sendable {
    /// Channels C (axis 1 of the input).
    public var channels: Int
    /// Weight of the new batch in the running statistics: running = (1 - momentum) running + momentum batch (0.1).
    public var momentum: Float
    /// Added to the variance before the square root (1e-5).
    public var eps: Float
    /// Whether a learned scale (gamma) and shift (beta) per channel follow the normalisation.
    public var affine: Bool
    /// Settings for `channels` channels.
    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
        self.channels = channels; self.momentum = momentum; self.eps = eps; self.affine = affine
    }
    /// A ``BatchNorm`` with gamma 1, beta 0 and fresh running statistics.
    public func build() -> BatchNorm { BatchNorm(self) }
}

/// Batch normalisation over [N, C, ...] (dense [N, C] too): per channel y = gamma * (x - mean) / sqrt(var + eps) + beta.
/// Training uses the batch statistics and updates the running ones (momentum, unbiased variance as PyTorch);
/// eval uses the running ones. Buffers: runningMean, runningVar (zeros and ones at start).
public final class BatchNorm: Module {
    /// The settings it was built with.
    public let config: BatchNormConfig
    /// gamma `[C]`, or nil when not affine.
    public let weight: Parameter?
    /// beta `[C]`, or nil when not affine.
    public let bias: Parameter?
    /// The running mean `[C]` used in evaluation mode.
    public let runningMean: Buffer
    /// The running (unbiased) variance `[C]` used in evaluation mode.
    public let runningVar: Buffer
    // Fixed gamma = 1, beta = 0 when not affine; "_" keeps them out of the parameters.
    private let _one: Variable, _zero: Variable

    /// A batch norm with gamma 1, beta 0, running mean 0 and running variance 1.
    public init(_ config: BatchNormConfig) {
        self.config = config
        let c = config.channels
        weight = config.affine ? Parameter(Tensor(ones: [c]), requiresGrad: true) : nil
        bias = config.affine ? Parameter(Tensor(zeros: [c]), requiresGrad: true) : nil
        runningMean = Buffer(Tensor(zeros: [c])); runningVar = Buffer(Tensor(ones: [c]))
        _one = Variable(Tensor(ones: [c])); _zero = Variable(Tensor(zeros: [c]))
    }

    /// A batch norm over `channels` channels with PyTorch's defaults.
    public convenience init(_ channels: Int) { self.init(BatchNormConfig(channels)) }

    /// `x` `[N, C, ...]` normalised per channel; in training mode also updates the running statistics (over all MPI
    /// ranks inside GridAutograd's `BatchStatistics.combined`). Traps when axis 1 is not `channels`.
    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count >= 2 && x.shape[1] == config.channels,
                     "BatchNorm(\(config.channels)) got input \(shapeDescription(x.shape))")
        return x.batchNorm(gamma: weight ?? _one, beta: bias ?? _zero, runningMean: &runningMean.value, runningVar: &runningVar.value,
                           training: isTraining, momentum: config.momentum, eps: config.eps)
    }
}

/// AlexNet's local response normalisation across channels: x / (k + alpha/size * sum_window x^2)^beta. Shape kept.
public final class LocalResponseNorm: Module {
    /// The window of neighbouring channels, and the constants of x / (k + alpha / size x sum x²)^beta.
    public let size: Int, alpha: Float, beta: Float, k: Float
    /// AlexNet's normalisation with its paper's constants by default.
    public init(size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 2) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
    }
    /// `x` `[N, C, ...]` normalised across channels; same shape.
    public override func forward(_ x: Variable) -> Variable { x.localResponseNorm(size: size, alpha: alpha, beta: beta, k: k) }
}

/// Inverted dropout: in training, zeroes with probability p and scales the rest by 1/(1-p); identity in eval.
/// `spatial` drops whole channels (SpatialDropout / Dropout2d). Draws come from the layer's own generator, so a run
/// is reproducible from the seed. Shape kept.
public final class Dropout: Module {
    /// The probability of dropping an element (or a channel), in 0..<1.
    public let p: Float
    /// True to drop whole channels of `[N, C, ...]` rather than single elements.
    public let spatial: Bool
    /// The layer's own random stream (a checkpoint stores it, so a resumed run draws the same masks).
    public var rng: SeededGenerator

    /// Dropout with probability `p` (traps outside 0..<1), its stream seeded by `seed`.
    public init(_ p: Float = 0.5, spatial: Bool = false, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) must be in [0, 1)")
        self.p = p; self.spatial = spatial; rng = SeededGenerator(seed: seed)
    }

    /// SpatialDropout: drops whole channels of [N, C, ...].
    public static func spatial(_ p: Float = 0.5, seed: UInt64 = 0) -> Dropout { Dropout(p, spatial: true, seed: seed) }

    /// `Dropout` or `SpatialDropout`.
    public override var typeName: String { spatial ? "SpatialDropout" : "Dropout" }

    /// In training mode `x` with elements (or channels) zeroed with probability `p` and the rest scaled by 1 / (1 - p);
    /// in evaluation mode `x` itself.
    public override func forward(_ x: Variable) -> Variable { x.dropout(p, training: isTraining, spatial: spatial, rng: &rng) }
}
