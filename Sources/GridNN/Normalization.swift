// Batch norm (any spatial rank), local response norm, and dropout with its own seeded generator.
import GridTensor
import GridAutograd

public struct BatchNormConfig: Codable, Equatable, Sendable {
    public var channels: Int
    public var momentum: Float
    public var eps: Float
    public var affine: Bool
    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
        self.channels = channels; self.momentum = momentum; self.eps = eps; self.affine = affine
    }
    public func build() -> BatchNorm { BatchNorm(self) }
}

/// Batch normalisation over [N, C, ...] (dense [N, C] too): per channel y = gamma * (x - mean) / sqrt(var + eps) + beta.
/// Training uses the batch statistics and updates the running ones (momentum, unbiased variance as PyTorch);
/// eval uses the running ones. Buffers: runningMean, runningVar (zeros and ones at start).
public final class BatchNorm: Module {
    public let config: BatchNormConfig
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    // Fixed gamma = 1, beta = 0 when not affine; "_" keeps them out of the parameters.
    private let _one: Variable, _zero: Variable

    public init(_ config: BatchNormConfig) {
        self.config = config
        let c = config.channels
        weight = config.affine ? Parameter(Tensor(ones: [c]), requiresGrad: true) : nil
        bias = config.affine ? Parameter(Tensor(zeros: [c]), requiresGrad: true) : nil
        runningMean = Buffer(Tensor(zeros: [c])); runningVar = Buffer(Tensor(ones: [c]))
        _one = Variable(Tensor(ones: [c])); _zero = Variable(Tensor(zeros: [c]))
    }

    public convenience init(_ channels: Int) { self.init(BatchNormConfig(channels)) }

    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count >= 2 && x.shape[1] == config.channels,
                     "BatchNorm(\(config.channels)) got input \(shapeDescription(x.shape))")
        return x.batchNorm(gamma: weight ?? _one, beta: bias ?? _zero, runningMean: &runningMean.value, runningVar: &runningVar.value,
                           training: isTraining, momentum: config.momentum, eps: config.eps)
    }
}

/// AlexNet's local response normalisation across channels: x / (k + alpha/size * sum_window x^2)^beta. Shape kept.
public final class LocalResponseNorm: Module {
    public let size: Int, alpha: Float, beta: Float, k: Float
    public init(size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 2) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
    }
    public override func forward(_ x: Variable) -> Variable { x.localResponseNorm(size: size, alpha: alpha, beta: beta, k: k) }
}

/// Inverted dropout: in training, zeroes with probability p and scales the rest by 1/(1-p); identity in eval.
/// `spatial` drops whole channels (SpatialDropout / Dropout2d). Draws come from the layer's own generator, so a run
/// is reproducible from the seed. Shape kept.
public final class Dropout: Module {
    public let p: Float
    public let spatial: Bool
    public var rng: SeededGenerator

    public init(_ p: Float = 0.5, spatial: Bool = false, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) must be in [0, 1)")
        self.p = p; self.spatial = spatial; rng = SeededGenerator(seed: seed)
    }

    /// SpatialDropout: drops whole channels of [N, C, ...].
    public static func spatial(_ p: Float = 0.5, seed: UInt64 = 0) -> Dropout { Dropout(p, spatial: true, seed: seed) }

    public override var typeName: String { spatial ? "SpatialDropout" : "Dropout" }

    public override func forward(_ x: Variable) -> Variable { x.dropout(p, training: isTraining, spatial: spatial, rng: &rng) }
}
