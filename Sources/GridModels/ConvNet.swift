// A plain feed-forward CNN classifier described by stages (conv [-> BN] -> activation [-> LRN] [-> pool]) and a
// dense head; LeNet-5, AlexNet, VGG-16, the jet-image CNN and the extreme-weather patch classifier are presets.
// The flattened size is propagated through ConvGeometry at build time, so any input size works.
import GridTensor
import GridAutograd
import GridNN

/// The pooling that ends a ``ConvStage``.
public struct PoolSpec: Codable, Equatable, Sendable {
    /// Max or average pooling.
    public enum Kind: String, Codable, Sendable { case max, avg }
    /// Max (default) or average.
    public var kind: Kind = .max
    /// Window size on every spatial axis (2).
    public var kernel: Int = 2
    /// Step; nil uses the window size.
    public var stride: Int? = nil
    /// Pooling of `kind` with a `kernel`-wide window.
    public init(_ kind: Kind = .max, kernel: Int = 2, stride: Int? = nil) { self.kind = kind; self.kernel = kernel; self.stride = stride }
}

/// One stage of a ``ConvNet``: `convs` x (conv [-> batch norm] -> activation) [-> local response norm] [-> pool].
public struct ConvStage: Codable, Equatable, Sendable {
    /// Channels out of every convolution of the stage.
    public var outChannels: Int
    /// Kernel size on every spatial axis.
    public var kernel: Int
    /// Stride of the stage's first convolution (1).
    public var stride: Int = 1
    /// Padding of every convolution (`.valid`, `.same` or explicit).
    public var padding: Padding = .valid
    /// Channel groups of every convolution (AlexNet's split uses 2).
    public var groups: Int = 1
    /// Convolutions in the stage, each followed by the activation (VGG blocks have 2 or 3).
    public var convs: Int = 1
    /// Batch normalisation after each convolution.
    public var batchNorm: Bool = false
    /// AlexNet's local response normalisation after the activations.
    public var lrn: Bool = false
    /// Pooling at the end of the stage, or none.
    public var pool: PoolSpec? = nil

    /// A stage of `convs` convolutions to `outChannels` channels.
    public init(_ outChannels: Int, kernel: Int, stride: Int = 1, padding: Padding = .valid, groups: Int = 1, convs: Int = 1,
                batchNorm: Bool = false, lrn: Bool = false, pool: PoolSpec? = nil) {
        self.outChannels = outChannels; self.kernel = kernel; self.stride = stride; self.padding = padding; self.groups = groups
        self.convs = convs; self.batchNorm = batchNorm; self.lrn = lrn; self.pool = pool
    }
}

/// A feed-forward CNN classifier: conv stages, then dense layers, then `classes` logits. The presets (LeNet-5,
/// AlexNet, VGG-16, the weather and jet CNNs) are static functions.
public struct ConvNetConfig: Codable, Equatable, Sendable {
    /// Input channels.
    public var inChannels: Int
    /// Spatial input size (its count is the spatial rank).
    public var inputSize: [Int]
    /// The convolutional stages, in order.
    public var stages: [ConvStage]
    /// Hidden dense widths, each followed by the activation and dropout.
    public var hidden: [Int]
    /// Output logits (1 for a binary classifier trained with bceWithLogits).
    public var classes: Int
    /// The activation after every convolution and hidden dense layer (ReLU).
    public var activation: ActivationKind = .relu
    /// Dropout probability after each hidden dense layer (0: none).
    public var dropout: Float = 0

    /// A classifier for `[N, inChannels] + inputSize` inputs.
    public init(inChannels: Int, inputSize: [Int], stages: [ConvStage], hidden: [Int], classes: Int,
                activation: ActivationKind = .relu, dropout: Float = 0) {
        self.inChannels = inChannels; self.inputSize = inputSize; self.stages = stages; self.hidden = hidden
        self.classes = classes; self.activation = activation; self.dropout = dropout
    }

    /// Parameters of the built ConvNet, computed from the config alone (no weights allocated).
    public var parameterCount: Int {
        var ch = inChannels, n = 0
        let area = { (k: Int) in [Int](repeating: k, count: self.inputSize.count).reduce(1, *) }
        for st in stages {
            for _ in 0..<st.convs {
                n += st.outChannels * (ch / st.groups) * area(st.kernel) + st.outChannels
                if st.batchNorm { n += 2 * st.outChannels }
                ch = st.outChannels
            }
        }
        guard let features = try? ConvNet.check(self) else { return n }
        var width = features.reduce(1, *)
        for h in hidden + [classes] { n += width * h + h; width = h }
        return n
    }

    /// LeNet-5 (LeCun et al. 1998): 1x32x32 -> C1 6@5x5 (28) -> avg-pool 14 -> C3 16@5x5 (10) -> pool 5 -> 120 -> 84 -> 10,
    /// tanh; 61,706 parameters.
    public static func lenet5(inChannels: Int = 1, classes: Int = 10) -> ConvNetConfig {
        ConvNetConfig(inChannels: inChannels, inputSize: [32, 32],
                      stages: [ConvStage(6, kernel: 5, pool: PoolSpec(.avg)), ConvStage(16, kernel: 5, pool: PoolSpec(.avg))],
                      hidden: [120, 84], classes: classes, activation: .tanh)
    }

    /// AlexNet (Krizhevsky et al. 2012), one-tower form with the paper's grouped convolutions: 3x227x227 ->
    /// conv 96@11/4 (55) -> LRN -> pool 3/2 (27) -> 256@5 g2 -> LRN -> pool (13) -> 384@3 -> 384@3 g2 -> 256@3 g2 ->
    /// pool (6) -> 4096 -> 4096 -> 1000, ReLU, dropout 0.5; 60,965,224 parameters.
    public static func alexnet(inChannels: Int = 3, inputSize: [Int] = [227, 227], classes: Int = 1000) -> ConvNetConfig {
        let pool = PoolSpec(.max, kernel: 3, stride: 2)
        return ConvNetConfig(inChannels: inChannels, inputSize: inputSize, stages: [
            ConvStage(96, kernel: 11, stride: 4, lrn: true, pool: pool),
            ConvStage(256, kernel: 5, padding: .pad(2), groups: 2, lrn: true, pool: pool),
            ConvStage(384, kernel: 3, padding: .pad(1)),
            ConvStage(384, kernel: 3, padding: .pad(1), groups: 2),
            ConvStage(256, kernel: 3, padding: .pad(1), groups: 2, pool: pool),
        ], hidden: [4096, 4096], classes: classes, dropout: 0.5)
    }

    /// The small AlexNet-style patch classifier of Liu et al. 2016 (extreme weather in climate data): two conv 5x5
    /// ReLU / max-pool 2 stages (8 and 16 filters), a 50-unit dense layer, `classes` logits. Any channels and size.
    public static func extremeWeather(inChannels: Int = 8, inputSize: [Int] = [32, 32], classes: Int = 2,
                                      widths: [Int] = [8, 16], kernel: Int = 5, hidden: [Int] = [50], dropout: Float = 0.5) -> ConvNetConfig {
        ConvNetConfig(inChannels: inChannels, inputSize: inputSize,
                      stages: widths.map { ConvStage($0, kernel: kernel, padding: .same, pool: PoolSpec()) },
                      hidden: hidden, classes: classes, dropout: dropout)
    }

    /// VGG (Simonyan & Zisserman 2014): blocks of 3x3 'same' convs + max-pool 2; VGG-16 = [2, 2, 3, 3, 3] convs of
    /// [64, 128, 256, 512, 512], then 4096 -> 4096 -> classes; 138,357,544 parameters at 224x224 and 1000 classes.
    public static func vgg(convsPerBlock: [Int] = [2, 2, 3, 3, 3], widths: [Int] = [64, 128, 256, 512, 512], inChannels: Int = 3,
                           inputSize: [Int] = [224, 224], hidden: [Int] = [4096, 4096], classes: Int = 1000,
                           batchNorm: Bool = false) -> ConvNetConfig {
        ConvNetConfig(inChannels: inChannels, inputSize: inputSize,
                      stages: zip(convsPerBlock, widths).map { ConvStage($1, kernel: 3, padding: .pad(1), convs: $0, batchNorm: batchNorm, pool: PoolSpec()) },
                      hidden: hidden, classes: classes, dropout: 0.5)
    }
    /// VGG-16 (configuration D): 13 convolutions in 5 blocks, then 4096 -> 4096 -> `classes`.
    public static func vgg16(inChannels: Int = 3, inputSize: [Int] = [224, 224], classes: Int = 1000) -> ConvNetConfig {
        vgg(inChannels: inChannels, inputSize: inputSize, classes: classes)
    }

    /// Jet-image CNN (de Oliveira et al. 2016 style) for 1x25x25 calorimeter images: conv 32@5x5 'same' ReLU pool 2
    /// (12) -> conv 64@5x5 ReLU pool 2 (6) -> dense 128 ReLU -> dropout -> 2 classes (or 1 logit).
    public static func jetCNN(inChannels: Int = 1, inputSize: [Int] = [25, 25], widths: [Int] = [32, 64], hidden: [Int] = [128],
                              classes: Int = 2, dropout: Float = 0.5) -> ConvNetConfig {
        ConvNetConfig(inChannels: inChannels, inputSize: inputSize,
                      stages: widths.map { ConvStage($0, kernel: 5, padding: .same, pool: PoolSpec()) },
                      hidden: hidden, classes: classes, dropout: dropout)
    }
}

/// A VGG block: `convs` x (conv kxk 'same' [-> BN] -> ReLU) then max-pool 2. [N, Cin, s...] -> [N, Cout, s/2...].
public func vggBlock(_ cin: Int, _ cout: Int, convs: Int, rank: Int = 2, batchNorm: Bool = false, rng: inout SeededGenerator) -> Sequential {
    let s = Sequential()
    for i in 0..<convs {
        s.append(Conv(ConvConfig(i == 0 ? cin : cout, cout, kernel: 3, rank: rank, padding: .pad(1)), rng: &rng))
        if batchNorm { s.append(BatchNorm(cout)) }
        s.append(Activation.relu)
    }
    s.append(MaxPool(2))
    return s
}

/// [N, inChannels, inputSize...] -> [N, classes]. `features` (conv stages) and `classifier` (dense head).
public final class ConvNet: Module {
    /// The configuration it was built from.
    public let config: ConvNetConfig
    /// The convolutional stages.
    public let features: Sequential
    /// Flatten, the hidden dense layers and the output layer.
    public let classifier: Sequential
    /// Shape after the conv stages (without batch).
    public let featureShape: [Int]

    /// The network with weights drawn from `seed`; traps when the stages do not fit `inputSize`.
    public init(_ config: ConvNetConfig, seed: UInt64 = 0) {
        self.config = config
        do { featureShape = try ConvNet.check(config) } catch { preconditionFailure("ConvNet: \(error)") }
        var rng = SeededGenerator(seed: seed)
        let rank = config.inputSize.count
        var ch = config.inChannels
        let features = Sequential()
        for st in config.stages {
            for _ in 0..<st.convs {
                let cc = ConvConfig(ch, st.outChannels, kernel: st.kernel, rank: rank, stride: st.stride, padding: st.padding,
                                    groups: st.groups, allowFloor: true)
                features.append(Conv(cc, rng: &rng))
                if st.batchNorm { features.append(BatchNorm(st.outChannels)) }
                features.append(Activation(config.activation))
                ch = st.outChannels
            }
            if st.lrn { features.append(LocalResponseNorm()) }
            if let p = st.pool {
                let stride = p.stride ?? p.kernel
                features.append(p.kind == .max ? MaxPool(p.kernel, stride: stride) : AvgPool(p.kernel, stride: stride))
            }
        }
        let classifier = Sequential(Flatten())
        var width = featureShape.reduce(1, *)
        for (i, h) in config.hidden.enumerated() {
            classifier.append(Linear(width, h, rng: &rng))
            classifier.append(Activation(config.activation))
            if config.dropout > 0 { classifier.append(Dropout(config.dropout, seed: seed &+ UInt64(i + 1))) }
            width = h
        }
        classifier.append(Linear(width, config.classes, rng: &rng))
        self.features = features; self.classifier = classifier
    }

    /// The feature shape [C, s...] after the conv stages; throws when a stage does not fit the input size.
    @discardableResult
    public static func check(_ config: ConvNetConfig) throws -> [Int] {
        var size = config.inputSize, ch = config.inChannels
        for (si, st) in config.stages.enumerated() {
            for _ in 0..<st.convs {
                let cc = ConvConfig(ch, st.outChannels, kernel: st.kernel, rank: config.inputSize.count, stride: st.stride,
                                    padding: st.padding, groups: st.groups, allowFloor: true)
                do { size = try cc.outputSize(size) } catch { throw ShapeError("stage \(si) of input \(config.inputSize): \(error)") }
                ch = st.outChannels
            }
            if let p = st.pool {
                let stride = p.stride ?? p.kernel
                size = size.map { $0 < p.kernel ? 0 : ($0 - p.kernel) / stride + 1 }
                guard size.allSatisfy({ $0 >= 1 }) else { throw ShapeError("stage \(si): pooling leaves no output from input \(config.inputSize)") }
            }
        }
        return [ch] + size
    }

    /// `[N, inChannels] + inputSize` -> `[N, classes]` logits; traps on any other input shape.
    public override func forward(_ x: Variable) -> Variable {
        precondition(Array(x.shape.dropFirst()) == [config.inChannels] + config.inputSize,
                     "ConvNet built for [N, \(config.inChannels)] + \(config.inputSize), got \(shapeDescription(x.shape))")
        return classifier(features(x))
    }
}
