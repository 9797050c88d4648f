// ResNet (He et al. 2015) with basic blocks; ResNet-34 = [3, 4, 6, 3] blocks of [64, 128, 256, 512] channels,
// 21,797,672 parameters at 1000 classes (torchvision's resnet34). Also the dense maxout baseline for jet images.
import GridTensor
import GridAutograd
import GridNN

/// conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus the shortcut (identity, or 1x1 conv(stride) - BN when the
/// stride or width changes), then ReLU. [N, Cin, s...] -> [N, Cout, ceil(s / stride)...].
public final class BasicBlock: Module {
    /// The two 3x3 convolutions (no bias) and their batch norms.
    public let conv1: Conv, bn1: BatchNorm, conv2: Conv, bn2: BatchNorm
    /// The 1x1 convolution and batch norm on the shortcut when stride or width changes; nil for the identity.
    public let downsample: Sequential?

    /// A block `cin` -> `cout` channels over `rank` spatial axes, weights drawn from `rng`.
    public init(_ cin: Int, _ cout: Int, stride: Int = 1, rank: Int = 2, rng: inout SeededGenerator) {
        // Explicit padding 1 with floor rounding, as torchvision (same output size as 'same', same alignment as PyTorch).
        conv1 = Conv(ConvConfig(cin, cout, kernel: 3, rank: rank, stride: stride, padding: .pad(1), bias: false, allowFloor: true), rng: &rng)
        bn1 = BatchNorm(cout)
        conv2 = Conv(ConvConfig(cout, cout, kernel: 3, rank: rank, padding: .pad(1), bias: false), rng: &rng)
        bn2 = BatchNorm(cout)
        downsample = stride != 1 || cin != cout
            ? Sequential(Conv(ConvConfig(cin, cout, kernel: 1, rank: rank, stride: stride, bias: false, allowFloor: true), rng: &rng), BatchNorm(cout))
            : nil
    }

    /// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).
    public override func forward(_ x: Variable) -> Variable {
        let h = bn2(conv2(bn1(conv1(x)).relu()))
        return (h + (downsample.map { $0(x) } ?? x)).relu()
    }
}

/// A ResNet of basic blocks: a stem, then one stage per entry of `blocks`/`widths`, global average pooling and a
/// dense layer to `classes`. The default is ResNet-34 at 1000 classes.
public struct ResNetConfig: Codable, Equatable, Sendable {
    /// The layers before the first stage.
    public enum Stem: String, Codable, Sendable {
        /// conv 7x7/2 - BN - ReLU - max-pool 3/2 (ImageNet; /4 resolution).
        case imagenet
        /// conv 3x3 - BN - ReLU, full resolution (small grids, CIFAR-style).
        case small
    }
    /// Input channels (3).
    public var inChannels: Int = 3
    /// Output logits (1000).
    public var classes: Int = 1000
    /// Basic blocks per stage ([3, 4, 6, 3]: ResNet-34).
    public var blocks: [Int] = [3, 4, 6, 3]
    /// Channels per stage; stages after the first halve the resolution.
    public var widths: [Int] = [64, 128, 256, 512]
    /// The stem (ImageNet's 7x7/2 and max-pool by default).
    public var stem: Stem = .imagenet
    /// Spatial axes: 2 for images, 3 for volumes.
    public var spatialRank: Int = 2

    /// A configuration; the defaults are ResNet-34.
    public init(inChannels: Int = 3, classes: Int = 1000, blocks: [Int] = [3, 4, 6, 3], widths: [Int] = [64, 128, 256, 512],
                stem: Stem = .imagenet, spatialRank: Int = 2) {
        self.inChannels = inChannels; self.classes = classes; self.blocks = blocks; self.widths = widths
        self.stem = stem; self.spatialRank = spatialRank
    }

    /// ResNet-34: [3, 4, 6, 3] blocks (21,797,672 parameters at 1000 classes).
    public static var resnet34: ResNetConfig { ResNetConfig() }
    /// ResNet-18: [2, 2, 2, 2] blocks.
    public static var resnet18: ResNetConfig { ResNetConfig(blocks: [2, 2, 2, 2]) }
}

/// [N, Cin, s...] -> [N, classes]; each stage after the first halves the resolution.
public final class ResNet: Module {
    /// The configuration it was built from.
    public let config: ResNetConfig
    /// The stem.
    public let stem: Sequential
    /// The stages of basic blocks.
    public let layers: [Sequential]
    /// Global average pooling to `[N, C]`.
    public let pool: GlobalAvgPool
    /// The output layer to `classes` logits.
    public let fc: Linear

    /// The network with weights drawn from `seed` (convolutions without bias, as torchvision).
    public init(_ config: ResNetConfig = ResNetConfig(), seed: UInt64 = 0) {
        precondition(config.blocks.count == config.widths.count && !config.blocks.isEmpty, "ResNet needs one width per stage")
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let r = config.spatialRank, w0 = config.widths[0]
        switch config.stem {
        case .imagenet:
            stem = Sequential(Conv(ConvConfig(config.inChannels, w0, kernel: 7, rank: r, stride: 2, padding: .pad(3), bias: false,
                                              allowFloor: true), rng: &rng),
                              BatchNorm(w0), Activation.relu, MaxPool(3, stride: 2, padding: 1))
        case .small:
            stem = Sequential(Conv(ConvConfig(config.inChannels, w0, kernel: 3, rank: r, padding: .pad(1), bias: false), rng: &rng),
                              BatchNorm(w0), Activation.relu)
        }
        var cin = w0, layers = [Sequential]()
        for (i, (n, w)) in zip(config.blocks, config.widths).enumerated() {
            let stage = Sequential()
            for b in 0..<n {
                stage.append(BasicBlock(cin, w, stride: b == 0 && i > 0 ? 2 : 1, rank: r, rng: &rng))
                cin = w
            }
            layers.append(stage)
        }
        self.layers = layers
        pool = GlobalAvgPool()
        fc = Linear(cin, config.classes, rng: &rng)
    }

    /// `[N, inChannels, s...]` -> `[N, classes]` logits; traps on another rank or channel count.
    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count == config.spatialRank + 2 && x.shape[1] == config.inChannels,
                     "ResNet expects [N, \(config.inChannels)] + \(config.spatialRank) spatial axes, got \(shapeDescription(x.shape))")
        return fc(pool(layers.reduce(stem(x)) { $1($0) }))
    }
}

/// The dense maxout baseline's configuration (jet images: 625 inputs, maxout 256 and 128 of 5 pieces, dense 64, one
/// logit).
public struct MaxOutNetConfig: Codable, Equatable, Sendable {
    /// Flattened input size (25 x 25 jet images: 625).
    public var inFeatures: Int = 625
    /// Maxout layer widths.
    public var units: [Int] = [256, 128]
    /// Linear pieces per maxout unit.
    public var pieces: Int = 5
    /// Dense ReLU layers after the maxout layers.
    public var hidden: [Int] = [64]
    /// 1 = one logit (bceWithLogits).
    public var classes: Int = 1
    /// Dropout after each maxout layer (0: none).
    public var dropout: Float = 0

    /// A configuration; the defaults are the jet-image baseline.
    public init(inFeatures: Int = 625, units: [Int] = [256, 128], pieces: Int = 5, hidden: [Int] = [64], classes: Int = 1, dropout: Float = 0) {
        self.inFeatures = inFeatures; self.units = units; self.pieces = pieces; self.hidden = hidden
        self.classes = classes; self.dropout = dropout
    }
}

/// The dense maxout baseline for jet images (de Oliveira et al. 2016): flatten -> maxout layers -> ReLU dense ->
/// logits. [N, ...] with inFeatures elements per sample -> [N, classes].
public final class MaxOutNet: Module {
    /// The configuration it was built from.
    public let config: MaxOutNetConfig
    /// Flatten, maxout layers, dense ReLU layers and the output layer.
    public let body: Sequential

    /// The network with weights drawn from `seed`.
    public init(_ config: MaxOutNetConfig = MaxOutNetConfig(), seed: UInt64 = 0) {
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let body = Sequential(Flatten())
        var width = config.inFeatures
        for (i, u) in config.units.enumerated() {
            body.append(MaxOut(width, u, pieces: config.pieces, rng: &rng)); width = u
            if config.dropout > 0 { body.append(Dropout(config.dropout, seed: seed &+ UInt64(i + 1))) }
        }
        for h in config.hidden {
            body.append(Linear(width, h, rng: &rng)); body.append(Activation.relu); width = h
        }
        body.append(Linear(width, config.classes, rng: &rng))
        self.body = body
    }

    /// `[N, ...]` (inFeatures values per sample) -> `[N, classes]` logits.
    public override func forward(_ x: Variable) -> Variable { body(x) }
}
