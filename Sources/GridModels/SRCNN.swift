// SRCNN (Dong et al. 2014): patch extraction, non-linear mapping, reconstruction. For downscaling, the coarse field
// is interpolated to the fine grid first; the network then restores detail, optionally as a residual over one input
// channel (output = net(x) + x[:, residualChannel]).
import GridTensor
import GridAutograd
import GridNN

/// SRCNN's configuration (Dong et al. 2014): three 'same' convolutions with ReLU between them.
public struct SRCNNConfig: Codable, Equatable, Sendable {
    /// Input channels (the interpolated coarse field and any predictors or statics).
    public var inChannels: Int = 1
    /// Output channels (fields predicted).
    public var outChannels: Int = 1
    /// Kernel sizes of the three layers: 9-1-5 (the paper's base) or 9-5-5.
    public var kernels: [Int] = [9, 1, 5]
    /// Widths of the first two layers.
    public var widths: [Int] = [64, 32]
    /// When set, the output is added to this input channel (broadcast over output channels).
    public var residualChannel: Int? = nil
    /// 2 for maps, 3 for volumes.
    public var spatialRank: Int = 2

    /// A configuration; the defaults are the paper's 9-1-5 base network on one channel.
    public init(inChannels: Int = 1, outChannels: Int = 1, kernels: [Int] = [9, 1, 5], widths: [Int] = [64, 32],
                residualChannel: Int? = nil, spatialRank: Int = 2) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernels = kernels; self.widths = widths
        self.residualChannel = residualChannel; self.spatialRank = spatialRank
    }

    /// The 9-5-5 variant.
    public static func v955(inChannels: Int = 1, outChannels: Int = 1) -> SRCNNConfig {
        SRCNNConfig(inChannels: inChannels, outChannels: outChannels, kernels: [9, 5, 5])
    }
}

/// [N, Cin, H, W] -> [N, Cout, H, W] ('same' padding keeps the grid).
public final class SRCNN: Module {
    /// The configuration it was built from.
    public let config: SRCNNConfig
    /// The three convolutions and their activations.
    public let body: Sequential

    /// The network with weights drawn from `seed`.
    public init(_ config: SRCNNConfig = SRCNNConfig(), seed: UInt64 = 0) {
        precondition(config.kernels.count == 3 && config.widths.count == 2, "SRCNN needs 3 kernels and 2 widths")
        if let r = config.residualChannel { precondition(r >= 0 && r < config.inChannels, "residual channel \(r) outside 0..<\(config.inChannels)") }
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let ch = [config.inChannels] + config.widths + [config.outChannels], k = config.kernels
        var layers = [any Layer]()
        for i in 0..<3 {
            layers.append(Conv(ConvConfig(ch[i], ch[i + 1], kernel: k[i], rank: config.spatialRank, padding: .same), rng: &rng))
            if i < 2 { layers.append(Activation.relu) }
        }
        body = Sequential(layers)
    }

    /// `[N, Cin, H, W]` -> `[N, Cout, H, W]` (plus the residual channel when set).
    public override func forward(_ x: Variable) -> Variable {
        let y = body(x)
        guard let r = config.residualChannel else { return y }
        return y + x.sliced(axis: 1, r..<(r + 1))
    }
}
