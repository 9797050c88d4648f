// ResNet (He et al. 2015) with basic blocks; ResNet-34 = [3, 4, 6, 3] blocks of [64, 128, 256, 512] channels,
// 21,797,672 parameters at 1000 classes (torchvision's resnet34). Also the dense maxout baseline for jet images.
import GridTensor
import GridAutograd
import GridNN

/// conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus the shortcut (identity, or 1x1 conv(stride) - BN when the
/// stride or width changes), then ReLU. [N, Cin, s...] -> [N, Cout, ceil(s / stride)...].
public final class BasicBlock: Module {
    public let conv1: Conv, bn1: BatchNorm, conv2: Conv, bn2: BatchNorm
    public let downsample: Sequential?

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

    public override func forward(_ x: Variable) -> Variable {
        let h = bn2(conv2(bn1(conv1(x)).relu()))
        return (h + (downsample.map { $0(x) } ?? x)).relu()
    }
}

public struct ResNetConfig: Codable, Equatable, Sendable {
    public enum Stem: String, Codable, Sendable {
        /// conv 7x7/2 - BN - ReLU - max-pool 3/2 (ImageNet; /4 resolution).
        case imagenet
        /// conv 3x3 - BN - ReLU, full resolution (small grids, CIFAR-style).
        case small
    }
    public var inChannels: Int = 3
    public var classes: Int = 1000
    public var blocks: [Int] = [3, 4, 6, 3]
    public var widths: [Int] = [64, 128, 256, 512]
    public var stem: Stem = .imagenet
    public var spatialRank: Int = 2

    public init(inChannels: Int = 3, classes: Int = 1000, blocks: [Int] = [3, 4, 6, 3], widths: [Int] = [64, 128, 256, 512],
                stem: Stem = .imagenet, spatialRank: Int = 2) {
        self.inChannels = inChannels; self.classes = classes; self.blocks = blocks; self.widths = widths
        self.stem = stem; self.spatialRank = spatialRank
    }

    public static var resnet34: ResNetConfig { ResNetConfig() }
    public static var resnet18: ResNetConfig { ResNetConfig(blocks: [2, 2, 2, 2]) }
}

/// [N, Cin, s...] -> [N, classes]; each stage after the first halves the resolution.
public final class ResNet: Module {
    public let config: ResNetConfig
    public let stem: Sequential
    public let layers: [Sequential]
    public let pool: GlobalAvgPool
    public let fc: Linear

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

    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count == config.spatialRank + 2 && x.shape[1] == config.inChannels,
                     "ResNet expects [N, \(config.inChannels)] + \(config.spatialRank) spatial axes, got \(shapeDescription(x.shape))")
        return fc(pool(layers.reduce(stem(x)) { $1($0) }))
    }
}

public struct MaxOutNetConfig: Codable, Equatable, Sendable {
    /// Flattened input size (25 x 25 jet images: 625).
    public var inFeatures: Int = 625
    /// Maxout layer widths.
    public var units: [Int] = [256, 128]
    public var pieces: Int = 5
    /// Dense ReLU layers after the maxout layers.
    public var hidden: [Int] = [64]
    /// 1 = one logit (bceWithLogits).
    public var classes: Int = 1
    public var dropout: Float = 0

    public init(inFeatures: Int = 625, units: [Int] = [256, 128], pieces: Int = 5, hidden: [Int] = [64], classes: Int = 1, dropout: Float = 0) {
        self.inFeatures = inFeatures; self.units = units; self.pieces = pieces; self.hidden = hidden
        self.classes = classes; self.dropout = dropout
    }
}

/// The dense maxout baseline for jet images (de Oliveira et al. 2016): flatten -> maxout layers -> ReLU dense ->
/// logits. [N, ...] with inFeatures elements per sample -> [N, classes].
public final class MaxOutNet: Module {
    public let config: MaxOutNetConfig
    public let body: Sequential

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

    public override func forward(_ x: Variable) -> Variable { body(x) }
}
