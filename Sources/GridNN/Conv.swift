// Convolution and transposed convolution over 1, 2 or 3 spatial dims (one type, rank from the kernel).
import GridTensor
import GridAutograd

extension Padding {
    /// Expands single-entry explicit padding ([p]) to every spatial axis.
    func expanded(rank: Int) -> Padding {
        if case let .explicit(lo, hi) = self { return .explicit(lo: expandToRank(lo, rank, "padding"), hi: expandToRank(hi, rank, "padding")) }
        return self
    }
    /// p zeros on both sides of every spatial axis.
    public static func pad(_ p: Int) -> Padding { .explicit(lo: [p], hi: [p]) }
}

/// Convolution settings. Single-entry arrays apply to every spatial axis.
/// Output size per axis: out = floor((in + padLo + padHi - dilation * (kernel - 1) - 1) / stride) + 1
/// (`.same`: out = ceil(in / stride); a non-integer size is an error unless `allowFloor`).
public struct ConvConfig: Codable, Equatable, Sendable {
    /// Input channels Cin (axis 1 of the input).
    public var inChannels: Int
    /// Output channels Cout.
    public var outChannels: Int
    /// Kernel size per spatial axis; its count is the spatial rank (1, 2 or 3).
    public var kernel: [Int]
    /// Step per spatial axis (default 1).
    public var stride: [Int]
    /// `.valid` (none), `.same` (out = ceil(in / stride)), `.causal` (1-D: all before) or explicit per-axis counts.
    public var padding: Padding
    /// Spacing between kernel taps per spatial axis (default 1).
    public var dilation: [Int]
    /// Channel groups: each output channel sees `inChannels / groups` inputs (`groups == inChannels`: depthwise).
    public var groups: Int
    /// Whether a bias `[Cout]` is added.
    public var bias: Bool
    /// Accept sizes where the last window does not reach the edge (PyTorch's flooring) instead of refusing them.
    public var allowFloor: Bool
    /// How the weight is drawn (default PyTorch's); the bias is U(-1/sqrt(fanIn), 1/sqrt(fanIn)) as in PyTorch.
    public var weightInit: Initializer

    /// kernel: one entry per spatial axis (its count is the spatial rank), or one entry plus `rank`.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: [Int], rank: Int? = nil, stride: [Int] = [1],
                padding: Padding = .valid, dilation: [Int] = [1], groups: Int = 1, bias: Bool = true,
                allowFloor: Bool = false, weightInit: Initializer = .pytorchDefault) {
        let r = rank ?? kernel.count
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = expandToRank(kernel, r, "kernel"); self.stride = expandToRank(stride, r, "stride")
        self.padding = padding.expanded(rank: r); self.dilation = expandToRank(dilation, r, "dilation")
        self.groups = groups; self.bias = bias; self.allowFloor = allowFloor; self.weightInit = weightInit
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "conv channels \(inChannels) -> \(outChannels) not divisible by groups \(groups)")
    }

    /// Square/cubic kernel k over `rank` spatial axes (2 by default).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, rank: Int = 2, stride: Int = 1, padding: Padding = .valid,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, allowFloor: Bool = false, weightInit: Initializer = .pytorchDefault) {
        self.init(inChannels, outChannels, kernel: [kernel], rank: rank, stride: [stride], padding: padding, dilation: [dilation],
                  groups: groups, bias: bias, allowFloor: allowFloor, weightInit: weightInit)
    }

    /// The number of spatial axes: 1, 2 or 3.
    public var spatialRank: Int { kernel.count }
    /// `[Cout, Cin / groups, k...]` (PyTorch's layout).
    public var weightShape: [Int] { [outChannels, inChannels / groups] + kernel }
    /// Weights plus biases.
    public var parameterCount: Int { weightShape.reduce(1, *) + (bias ? outChannels : 0) }

    /// Output spatial size for an input spatial size (throws on an invalid configuration).
    public func outputSize(_ input: [Int]) throws -> [Int] {
        try ConvGeometry(batch: 1, inChannels: inChannels, outChannels: outChannels, input: input, kernel: kernel, stride: stride,
                         dilation: dilation, padding: padding, groups: groups, allowFloor: allowFloor).output
    }

    /// A ``Conv`` with weights drawn from `rng`.
    public func build(rng: inout SeededGenerator) -> Conv { Conv(self, rng: &rng) }
}

/// y[N, Cout, out...] = conv(x[N, Cin, in...], weight[Cout, Cin/groups, k...]) + bias[Cout].
public final class Conv: Module {
    /// The settings it was built with.
    public let config: ConvConfig
    /// `[Cout, Cin / groups, k...]`.
    public let weight: Parameter
    /// `[Cout]`, or nil without bias.
    public let bias: Parameter?

    /// A convolution with weight and bias drawn from `rng` by `config.weightInit`.
    public init(_ config: ConvConfig, rng: inout SeededGenerator) {
        self.config = config
        let w = config.weightInit.make(config.weightShape, rng: &rng)
        weight = Parameter(w, requiresGrad: true)
        let fanIn = config.weightShape.dropFirst().reduce(1, *)
        bias = config.bias ? Parameter(config.weightInit.makeBias(count: config.outChannels, fanIn: fanIn, rng: &rng), requiresGrad: true) : nil
    }

    /// `x` `[N, Cin, in...]` -> `[N, Cout, out...]`; traps when rank or channels do not match the config.
    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count == config.spatialRank + 2 && x.shape[1] == config.inChannels,
                     "Conv(\(config.inChannels)->\(config.outChannels), \(config.spatialRank)-D) got input \(shapeDescription(x.shape))")
        return Variable.conv(x, weight, bias: bias, stride: config.stride, padding: config.padding, dilation: config.dilation,
                             groups: config.groups, allowFloor: config.allowFloor)
    }
}

/// Transposed convolution settings (PyTorch's ConvTranspose): per axis
/// out = (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1.
public struct ConvTransposeConfig: Codable, Equatable, Sendable {
    /// Input channels Cin.
    public var inChannels: Int
    /// Output channels Cout.
    public var outChannels: Int
    /// Kernel size per spatial axis.
    public var kernel: [Int]
    /// Upsampling step per spatial axis.
    public var stride: [Int]
    /// Cells removed from both ends of each output axis (PyTorch's `padding`).
    public var padding: [Int]
    /// Cells added at the high end of each output axis, to reach an exact size (smaller than stride or dilation).
    public var outputPadding: [Int]
    /// Spacing between kernel taps per spatial axis.
    public var dilation: [Int]
    /// Channel groups.
    public var groups: Int
    /// Whether a bias `[Cout]` is added.
    public var bias: Bool
    /// How the weight is drawn.
    public var weightInit: Initializer

    /// Settings with one entry per spatial axis, or one entry applied to all `rank` axes. Traps when the channels are not
    /// divisible by `groups`.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: [Int], rank: Int? = nil, stride: [Int] = [1], padding: [Int] = [0],
                outputPadding: [Int] = [0], dilation: [Int] = [1], groups: Int = 1, bias: Bool = true,
                weightInit: Initializer = .pytorchDefault) {
        let r = rank ?? kernel.count
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = expandToRank(kernel, r, "kernel"); self.stride = expandToRank(stride, r, "stride")
        self.padding = expandToRank(padding, r, "padding"); self.outputPadding = expandToRank(outputPadding, r, "output padding")
        self.dilation = expandToRank(dilation, r, "dilation")
        self.groups = groups; self.bias = bias; self.weightInit = weightInit
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "conv transpose channels \(inChannels) -> \(outChannels) not divisible by groups \(groups)")
    }

    /// Settings with the same kernel, stride, padding and dilation on every one of `rank` spatial axes.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, rank: Int = 2, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true, weightInit: Initializer = .pytorchDefault) {
        self.init(inChannels, outChannels, kernel: [kernel], rank: rank, stride: [stride], padding: [padding],
                  outputPadding: [outputPadding], dilation: [dilation], groups: groups, bias: bias, weightInit: weightInit)
    }

    /// The number of spatial axes.
    public var spatialRank: Int { kernel.count }
    /// PyTorch's layout [Cin, Cout/groups, k...].
    public var weightShape: [Int] { [inChannels, outChannels / groups] + kernel }

    /// The output spatial size for an input spatial size, by the formula above.
    public func outputSize(_ input: [Int]) -> [Int] {
        (0..<input.count).map { i in
            (input[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1
        }
    }

    /// A ``ConvTranspose`` with weights drawn from `rng`.
    public func build(rng: inout SeededGenerator) -> ConvTranspose { ConvTranspose(self, rng: &rng) }
}

/// y[N, Cout, out...] = convTranspose(x[N, Cin, in...], weight[Cin, Cout/groups, k...]) + bias[Cout].
public final class ConvTranspose: Module {
    /// The settings it was built with.
    public let config: ConvTransposeConfig
    /// `[Cin, Cout / groups, k...]` (PyTorch's layout).
    public let weight: Parameter
    /// `[Cout]`, or nil without bias.
    public let bias: Parameter?

    /// A transposed convolution with weight and bias drawn from `rng`.
    public init(_ config: ConvTransposeConfig, rng: inout SeededGenerator) {
        self.config = config
        weight = Parameter(config.weightInit.make(config.weightShape, rng: &rng), requiresGrad: true)
        // PyTorch computes the bias bound from the weight's fan-in, i.e. weight.size(1) * prod(kernel).
        let fanIn = config.weightShape.dropFirst().reduce(1, *)
        bias = config.bias ? Parameter(config.weightInit.makeBias(count: config.outChannels, fanIn: fanIn, rng: &rng), requiresGrad: true) : nil
    }

    /// `x` `[N, Cin, in...]` -> `[N, Cout, out...]`; traps when rank or channels do not match the config.
    public override func forward(_ x: Variable) -> Variable {
        precondition(x.shape.count == config.spatialRank + 2 && x.shape[1] == config.inChannels,
                     "ConvTranspose(\(config.inChannels)->\(config.outChannels), \(config.spatialRank)-D) got input \(shapeDescription(x.shape))")
        return Variable.convTranspose(x, weight, bias: bias, stride: config.stride, padding: config.padding,
                                      outputPadding: config.outputPadding, dilation: config.dilation, groups: config.groups)
    }
}
