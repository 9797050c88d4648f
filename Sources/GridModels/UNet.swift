// U-Net (Ronneberger et al. 2015) for 2-D or 3-D grids. The default configuration is exactly the UNet of
// shared/bench/torch_ref.py: in 2, out 1, base 32, depth 4, blocks conv3x3-BN-ReLU x2, max-pool 2,
// ConvTranspose k2 s2 up, concat [up, skip], 1x1 output conv.
import GridTensor
import GridAutograd
import GridNN

/// U-Net's configuration (Ronneberger et al. 2015) for 2-D or 3-D grids; the default (2 in, 1 out, base 32, depth 4)
/// is the benchmark's PyTorch reference network.
public struct UNetConfig: Codable, Equatable, Sendable {
    /// How the decoder doubles the resolution.
    public enum UpMode: String, Codable, Sendable {
        /// ConvTranspose kernel 2 stride 2 (learned upsampling).
        case transposedConv
        /// Nearest-neighbour upsample x2 then conv3x3 (no checkerboard artefacts).
        case upsampleConv
    }
    /// Input channels.
    public var inChannels: Int = 2
    /// Regression fields, or class logits (train with Loss.crossEntropy).
    public var outChannels: Int = 1
    /// Width of the first level; level i has base * 2^i channels.
    public var base: Int = 32
    /// Number of down-sampling steps; inputs must be divisible by 2^depth.
    public var depth: Int = 4
    /// Spatial axes: 2 for maps, 3 for volumes.
    public var spatialRank: Int = 2
    /// Batch normalisation after every convolution of the blocks.
    public var batchNorm: Bool = true
    /// Learned transposed convolution (default) or nearest-neighbour upsampling then a convolution.
    public var upMode: UpMode = .transposedConv

    /// A configuration; the defaults are the benchmark's reference U-Net.
    public init(inChannels: Int = 2, outChannels: Int = 1, base: Int = 32, depth: Int = 4, spatialRank: Int = 2,
                batchNorm: Bool = true, upMode: UpMode = .transposedConv) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.base = base; self.depth = depth
        self.spatialRank = spatialRank; self.batchNorm = batchNorm; self.upMode = upMode
    }
}

/// conv3x3 - BN - ReLU - conv3x3 - BN - ReLU, 'same' padding: [N, Cin, s...] -> [N, Cout, s...].
public final class UNetBlock: Module {
    /// The two 3x3 'same' convolutions and their batch norms (nil without batch normalisation).
    public let conv1: Conv, bn1: BatchNorm?, conv2: Conv, bn2: BatchNorm?

    /// A block `cin` -> `cout` channels over `rank` spatial axes, weights drawn from `rng`.
    public init(_ cin: Int, _ cout: Int, rank: Int, batchNorm: Bool, rng: inout SeededGenerator) {
        conv1 = Conv(ConvConfig(cin, cout, kernel: 3, rank: rank, padding: .pad(1)), rng: &rng)
        bn1 = batchNorm ? BatchNorm(cout) : nil
        conv2 = Conv(ConvConfig(cout, cout, kernel: 3, rank: rank, padding: .pad(1)), rng: &rng)
        bn2 = batchNorm ? BatchNorm(cout) : nil
    }

    /// Both convolutions with their norms and ReLUs; spatial size kept.
    public override func forward(_ x: Variable) -> Variable {
        var h = conv1(x)
        if let bn1 { h = bn1(h) }
        h = conv2(h.relu())
        if let bn2 { h = bn2(h) }
        return h.relu()
    }
}

/// [N, Cin, s...] -> [N, Cout, s...], every spatial size divisible by 2^depth.
public final class UNet: Module {
    /// The configuration it was built from.
    public let config: UNetConfig
    /// The encoder blocks, one per level (base x 2^i channels).
    public let down: [UNetBlock]
    /// The bottleneck block (base x 2^depth channels).
    public let mid: UNetBlock
    /// The upsampling layers, deepest first.
    public let up: [any Layer]
    /// The decoder blocks on [upsampled, skip] concatenations, deepest first.
    public let dec: [UNetBlock]
    /// The 1x1 output convolution to `outChannels`.
    public let out: Conv
    /// The 2x max pooling between encoder levels.
    public let pool: MaxPool

    /// The network with weights drawn from `seed` in the reference's order (so one seed gives the same weights).
    public init(_ config: UNetConfig = UNetConfig(), seed: UInt64 = 0) {
        precondition(config.depth >= 1 && config.base >= 1, "UNet needs depth >= 1 and base >= 1")
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let r = config.spatialRank, bn = config.batchNorm
        let ch = (0...config.depth).map { config.base << $0 }
        down = (0..<config.depth).map { i in UNetBlock(i == 0 ? config.inChannels : ch[i - 1], ch[i], rank: r, batchNorm: bn, rng: &rng) }
        mid = UNetBlock(ch[config.depth - 1], ch[config.depth], rank: r, batchNorm: bn, rng: &rng)
        var up = [any Layer](), dec = [UNetBlock]()
        for i in (0..<config.depth).reversed() {
            switch config.upMode {
            case .transposedConv: up.append(ConvTranspose(ConvTransposeConfig(ch[i + 1], ch[i], kernel: 2, rank: r, stride: 2), rng: &rng))
            case .upsampleConv:
                up.append(Sequential(Upsample(scale: 2), Conv(ConvConfig(ch[i + 1], ch[i], kernel: 3, rank: r, padding: .pad(1)), rng: &rng)))
            }
        }
        // Decoders are built after the up path, as torch_ref.py does, so one seed gives the same draw order.
        for i in (0..<config.depth).reversed() { dec.append(UNetBlock(2 * ch[i], ch[i], rank: r, batchNorm: bn, rng: &rng)) }
        self.up = up; self.dec = dec
        out = Conv(ConvConfig(ch[0], config.outChannels, kernel: 1, rank: r), rng: &rng)
        pool = MaxPool(2)
    }

    /// `[N, Cin, s...]` -> `[N, Cout, s...]`; traps unless every spatial size is divisible by 2^depth.
    public override func forward(_ x: Variable) -> Variable {
        let factor = 1 << config.depth
        precondition(x.shape.count == config.spatialRank + 2 && x.shape.dropFirst(2).allSatisfy { $0 % factor == 0 },
                     "UNet(depth \(config.depth)) needs [N, C] + \(config.spatialRank) spatial sizes divisible by \(factor), got \(shapeDescription(x.shape))")
        var h = x, skips = [Variable]()
        for block in down { h = block(h); skips.append(h); h = pool(h) }
        h = mid(h)
        for (u, d) in zip(up, dec) { h = d(concatChannels([u(h), skips.removeLast()])) }
        return out(h)
    }
}
