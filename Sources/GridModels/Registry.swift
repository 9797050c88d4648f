// Model options as `gridcnn summary` takes them: a kind and the common options (nil takes the kind's default),
// turned into the full ModelSpec. Options a kind does not use are ignored.
import Foundation
import GridTensor
import GridNN

/// The kinds `gridcnn summary` builds from common options (``ModelConfig``).
public enum ModelKind: String, Codable, CaseIterable, Sendable {
    case srcnn, unet, wavenet, tdnn, lenet5, alexnet, weathercnn, jetcnn, vgg16, resnet34, maxout
}

/// Model options as `gridcnn summary` takes them: a kind and the common options, nil taking the kind's default, turned
/// into a full ``ModelSpec``. Options a kind does not use are ignored.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The architecture.
    public var kind: ModelKind
    /// Input channels (nil: the kind's default).
    public var inChannels: Int?
    /// Output channels of field models (nil: 1).
    public var outChannels: Int?
    /// SRCNN: first width (second = width / 2); jetcnn / weathercnn: first conv width (second = 2x);
    /// resnet34: stem width (stages 1x, 2x, 4x, 8x); tdnn: hidden width; maxout: first maxout width.
    public var width: Int?
    /// UNet levels.
    public var depth: Int?
    /// UNet base width.
    public var base: Int?
    /// Output classes of classifiers (nil: the kind's default).
    public var classes: Int?
    /// WaveNet layers per stack.
    public var layers: Int?
    /// WaveNet stacks of dilated layers.
    public var stacks: Int?
    /// One sample's input shape without the batch axis, e.g. [C, H, W]; nil = the kind's default.
    public var inputShape: [Int]?

    /// Options for `kind`; every nil takes the kind's default.
    public init(kind: ModelKind, inChannels: Int? = nil, outChannels: Int? = nil, width: Int? = nil, depth: Int? = nil,
                base: Int? = nil, classes: Int? = nil, layers: Int? = nil, stacks: Int? = nil, inputShape: [Int]? = nil) {
        self.kind = kind; self.inChannels = inChannels; self.outChannels = outChannels; self.width = width; self.depth = depth
        self.base = base; self.classes = classes; self.layers = layers; self.stacks = stacks; self.inputShape = inputShape
    }

    var srcnn: SRCNNConfig {
        let w = width ?? 64
        return SRCNNConfig(inChannels: channels, outChannels: outChannels ?? 1, kernels: [9, 1, 5], widths: [w, max(w / 2, 1)],
                           spatialRank: max((inputShape?.count ?? 3) - 1, 1))
    }
    var unet: UNetConfig {
        UNetConfig(inChannels: channels, outChannels: outChannels ?? classes ?? 1, base: base ?? width ?? 32, depth: depth ?? 4,
                   spatialRank: max((inputShape?.count ?? 3) - 1, 1), batchNorm: true,
                   upMode: .transposedConv)
    }
    var wavenet: WaveNetConfig {
        WaveNetConfig(classes: classes ?? inChannels ?? 256, residualChannels: 32, skipChannels: 64,
                      layers: layers ?? 10, stacks: stacks ?? 1)
    }
    var tdnn: TDNNConfig {
        TDNNConfig(channels: [channels, width ?? 8, classes ?? 3], frames: inputShape?.last ?? 15)
    }
    var convnet: ConvNetConfig {
        let c = channels, size = inputShape.map { Array($0.dropFirst()) }
        switch kind {
        case .lenet5:
            var cfg = ConvNetConfig.lenet5(inChannels: c, classes: classes ?? 10)
            if let size { cfg.inputSize = size }
            return cfg
        case .alexnet: return .alexnet(inChannels: c, inputSize: size ?? [227, 227], classes: classes ?? 1000)
        case .weathercnn:
            let w = width ?? 8
            return .extremeWeather(inChannels: c, inputSize: size ?? [32, 32], classes: classes ?? 2, widths: [w, 2 * w])
        case .jetcnn:
            let w = width ?? 32
            return .jetCNN(inChannels: c, inputSize: size ?? [25, 25], widths: [w, 2 * w], classes: classes ?? 2)
        default: return .vgg(inChannels: c, inputSize: size ?? [224, 224], classes: classes ?? 1000, batchNorm: false)
        }
    }
    var resnet: ResNetConfig {
        let w = width ?? 64
        return ResNetConfig(inChannels: channels, classes: classes ?? 1000, widths: [w, 2 * w, 4 * w, 8 * w],
                            spatialRank: max((inputShape?.count ?? 3) - 1, 1))
    }
    var maxout: MaxOutNetConfig {
        let w = width ?? 256
        return MaxOutNetConfig(inFeatures: resolvedInputShape.reduce(1, *), units: [w, max(w / 2, 1)], classes: classes ?? 1)
    }

    /// Input channels with the kind's default.
    var channels: Int {
        if let inChannels { return inChannels }
        if let s = inputShape?.first { return s }
        switch kind {
        case .srcnn, .lenet5, .jetcnn, .maxout: return 1
        case .unet: return 2
        case .wavenet: return classes ?? 256
        case .tdnn: return 16
        case .weathercnn: return 8
        case .alexnet, .vgg16, .resnet34: return 3
        }
    }

    /// One sample's input shape (no batch axis): inputShape, or the kind's default with inChannels.
    public var resolvedInputShape: [Int] {
        if let inputShape { return inputShape }
        let c = channels
        switch kind {
        case .srcnn: return [c, 32, 32]
        case .unet: return [c] + [Int](repeating: 4 << (depth ?? 4), count: 2)
        case .wavenet: return [wavenet.classes, 32]
        case .tdnn: return [c, 15]
        case .lenet5: return [c, 32, 32]
        case .alexnet: return [c, 227, 227]
        case .weathercnn: return [c, 32, 32]
        case .jetcnn, .maxout: return [c, 25, 25]
        case .vgg16, .resnet34: return [c, 224, 224]
        }
    }

    /// Checks that the model accepts the resolved input shape, with a message naming the problem.
    public func validate() throws {
        let s = resolvedInputShape
        guard s.allSatisfy({ $0 >= 1 }), s.count >= 2 else { throw ShapeError("input shape \(s) needs a channel axis and at least one positive spatial axis") }
        if let c = inChannels, c != s[0], kind != .wavenet { throw ShapeError("input shape \(s) has \(s[0]) channels but in-channels is \(c)") }
        switch kind {
        case .unet:
            let f = 1 << unet.depth
            guard s.dropFirst().allSatisfy({ $0 % f == 0 }) else { throw ShapeError("UNet depth \(unet.depth) needs spatial sizes divisible by \(f), got \(s)") }
            guard (1...3).contains(s.count - 1) else { throw ShapeError("UNet works on 1 to 3 spatial axes, got \(s)") }
        case .wavenet:
            guard s.count == 2, s[0] == wavenet.classes else { throw ShapeError("WaveNet input is [classes = \(wavenet.classes), T], got \(s)") }
        case .tdnn:
            guard s.count == 2, s[1] > tdnn.contextFrames else { throw ShapeError("TDNN input is [C, T] with T > \(tdnn.contextFrames), got \(s)") }
        case .srcnn, .resnet34:
            guard (1...3).contains(s.count - 1) else { throw ShapeError("\(kind.rawValue) works on 1 to 3 spatial axes, got \(s)") }
        case .lenet5, .alexnet, .weathercnn, .jetcnn, .vgg16:
            try ConvNet.check(convnet)
        case .maxout: break
        }
    }

    /// The spec of the model these options describe.
    public var spec: ModelSpec {
        switch kind {
        case .srcnn: return .srcnn(srcnn)
        case .unet: return .unet(unet)
        case .wavenet: return .wavenet(wavenet)
        case .tdnn: return .tdnn(tdnn)
        case .lenet5: return .lenet5(convnet)
        case .alexnet: return .alexnet(convnet)
        case .weathercnn: return .weathercnn(convnet)
        case .jetcnn: return .jetcnn(convnet)
        case .vgg16: return .vgg16(convnet)
        case .resnet34: return .resnet34(resnet)
        case .maxout: return .maxout(maxout)
        }
    }

    /// Builds the model (validate() first for a thrown error instead of a trap on a bad shape).
    public func build() -> Module {
        // validate() has checked what ModelSpec.build would refuse.
        try! spec.build()
    }

    /// Summary of the built model on a batch of one.
    public func summary() throws -> ModelSummary {
        try validate()
        return ModelSummary(build(), inputShape: [1] + resolvedInputShape)
    }
}
