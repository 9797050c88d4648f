// WaveNet (van den Oord et al. 2016), as shared/bench/torch_ref.py: a 1x1 input conv from one-hot classes to the
// residual width; layers of dilated causal convolutions (kernel 2, dilations 1, 2, ..., 2^(layers-1), repeated for
// each stack) with gated units tanh(filter) * sigmoid(gate), a 1x1 residual conv back into the stream and a 1x1
// skip conv; sum of skips -> ReLU -> 1x1 -> ReLU -> 1x1 to class logits. Optional conditioning channels
// (local [N, Cc, T] or global [N, Cc, 1]) enter filter and gate through 1x1 convs.
import GridTensor
import GridAutograd
import GridNN

/// WaveNet's configuration (van den Oord et al. 2016); the default (256 classes, 32 residual and 64 skip channels,
/// 10 layers, kernel 2) has a receptive field of 1024 samples.
public struct WaveNetConfig: Codable, Equatable, Sendable {
    /// Quantisation levels (input one-hot channels and output logits).
    public var classes: Int = 256
    /// Width of the residual stream.
    public var residualChannels: Int = 32
    /// Width of the skip connections and the output head.
    public var skipChannels: Int = 64
    /// Layers per stack; dilations double from 1 within a stack.
    public var layers: Int = 10
    /// Repetitions of the dilation cycle 1, 2, ..., 2^(layers-1).
    public var stacks: Int = 1
    /// Kernel size of the dilated causal convolutions.
    public var kernelSize: Int = 2
    /// 0 for none.
    public var conditionChannels: Int = 0

    /// A configuration; the defaults are the benchmark's reference WaveNet.
    public init(classes: Int = 256, residualChannels: Int = 32, skipChannels: Int = 64, layers: Int = 10, stacks: Int = 1,
                kernelSize: Int = 2, conditionChannels: Int = 0) {
        self.classes = classes; self.residualChannels = residualChannels; self.skipChannels = skipChannels
        self.layers = layers; self.stacks = stacks; self.kernelSize = kernelSize; self.conditionChannels = conditionChannels
    }

    /// The dilation of every layer in order: 1, 2, ..., 2^(layers-1), once per stack.
    public var dilations: [Int] { Array(repeating: (0..<layers).map { 1 << $0 }, count: stacks).flatMap { $0 } }

    /// Samples that one output sees: (kernel - 1) * sum(dilations) + 1 (1024 for dilations 1..512, kernel 2).
    public var receptiveField: Int { (kernelSize - 1) * dilations.reduce(0, +) + 1 }
}

/// One-hot [N, classes, T] -> logits [N, classes, T]; output t depends on inputs t - receptiveField + 1 ... t.
public final class WaveNet: Module {
    /// The configuration it was built from.
    public let config: WaveNetConfig
    /// The 1x1 input convolution from one-hot classes to the residual width.
    public let inp: Conv
    /// Per layer: the dilated filter and gate convolutions, and the 1x1 residual and skip convolutions.
    public let filt: [Conv], gate: [Conv], resc: [Conv], skipc: [Conv]
    /// Conditioning 1x1 convs (empty without conditioning).
    public let condFilt: [Conv], condGate: [Conv]
    /// The output head's two 1x1 convolutions (skip width, then class logits).
    public let o1: Conv, o2: Conv

    /// The network with weights drawn from `seed`.
    public init(_ config: WaveNetConfig = WaveNetConfig(), seed: UInt64 = 0) {
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let res = config.residualChannels, skip = config.skipChannels, dil = config.dilations
        func conv1(_ a: Int, _ b: Int, bias: Bool = true) -> Conv { Conv(ConvConfig(a, b, kernel: 1, rank: 1, bias: bias), rng: &rng) }
        func dilated(_ d: Int) -> Conv {
            Conv(ConvConfig(res, res, kernel: config.kernelSize, rank: 1, padding: .causal, dilation: d), rng: &rng)
        }
        inp = conv1(config.classes, res)
        filt = dil.map { dilated($0) }
        gate = dil.map { dilated($0) }
        resc = dil.map { _ in conv1(res, res) }
        skipc = dil.map { _ in conv1(res, skip) }
        let cc = config.conditionChannels
        condFilt = cc > 0 ? dil.map { _ in conv1(cc, res, bias: false) } : []
        condGate = cc > 0 ? dil.map { _ in conv1(cc, res, bias: false) } : []
        o1 = conv1(skip, skip)
        o2 = conv1(skip, config.classes)
    }

    /// One-hot `[N, classes, T]` -> logits `[N, classes, T]`, without conditioning.
    public override func forward(_ x: Variable) -> Variable { forward(x, condition: nil) }

    /// condition: [N, conditionChannels, T] (local) or [N, conditionChannels, 1] (global), or nil.
    public func forward(_ x: Variable, condition: Variable?) -> Variable {
        precondition(x.shape.count == 3 && x.shape[1] == config.classes, "WaveNet expects [N, \(config.classes), T], got \(shapeDescription(x.shape))")
        if let c = condition {
            precondition(config.conditionChannels > 0 && c.shape.count == 3 && c.shape[1] == config.conditionChannels &&
                         (c.shape[2] == 1 || c.shape[2] == x.shape[2]),
                         "WaveNet condition \(shapeDescription(c.shape)) does not fit conditionChannels \(config.conditionChannels) and T \(x.shape[2])")
        }
        if condition == nil, let fast = inferenceForward(x) { return fast }
        var h = inp(x)
        var skips: Variable?
        for i in 0..<filt.count {
            // Filter and gate read the same input: one convolution over the stacked weights (one im2col, one GEMM
            // with twice the rows), split inside the gate op. Same parameters as two separate convs.
            let fc = filt[i].config
            var fg = Variable.conv(h, stacked(filt[i].weight, gate[i].weight), bias: stackedBias(filt[i], gate[i]),
                                   stride: fc.stride, padding: fc.padding, dilation: fc.dilation)
            if let c = condition {
                fg = fg + Variable.conv(c, stacked(condFilt[i].weight, condGate[i].weight), bias: nil)
            }
            let z = Variable.gatedActivation(stacked: fg)
            // The skip sum and the residual stream are added inside the 1x1 convolutions (no extra pass).
            skips = pointwise(z, skipc[i], adding: skips)
            h = pointwise(z, resc[i], adding: h)
        }
        return o2(o1(skips!.relu()).relu())
    }

    private func stacked(_ a: Variable, _ b: Variable) -> Variable { Variable.concatenate([a, b], axis: 0) }

    /// conv(z) (+ adding): a 1x1 convolution that adds its result to a running sum in the same pass.
    private func pointwise(_ z: Variable, _ conv: Conv, adding: Variable?) -> Variable {
        let g: ConvGeometry
        do {
            g = try ConvGeometry(batch: z.shape[0], inChannels: z.shape[1], outChannels: conv.config.outChannels,
                                 input: Array(z.shape.dropFirst(2)), kernel: [1])
        } catch { preconditionFailure("WaveNet 1x1 convolution: \(error)") }
        return Variable.conv(z, conv.weight, bias: conv.bias, adding: adding, geometry: g)
    }

    private func stackedBias(_ a: Conv, _ b: Conv) -> Variable? {
        guard let ba = a.bias, let bb = b.bias else {
            precondition(a.bias == nil && b.bias == nil, "WaveNet: paired convolutions must both have a bias or neither")
            return nil
        }
        return Variable.concatenate([ba, bb], axis: 0)
    }

    /// Without gradients, the residual layers run as one fused kernel over tiles of time steps (their intermediate
    /// tensors never reach memory). Same result as the layer-by-layer forward up to rounding. nil where it does not
    /// apply (gradients on, kernel size other than 2, no layers, a convolution without bias).
    private func inferenceForward(_ x: Variable) -> Variable? {
        guard !GradMode.isEnabled, config.kernelSize == 2, !filt.isEmpty else { return nil }
        var layers = [WaveNetLayerWeights]()
        for (i, d) in config.dilations.enumerated() {
            guard let bf = filt[i].bias, let bg = gate[i].bias, let bs = skipc[i].bias, let br = resc[i].bias else { return nil }
            layers.append(WaveNetLayerWeights(filter: filt[i].weight.value, filterBias: bf.value, gate: gate[i].weight.value,
                                              gateBias: bg.value, skip: skipc[i].weight.value, skipBias: bs.value,
                                              residual: resc[i].weight.value, residualBias: br.value, dilation: d))
        }
        let skipSum = Tensor.waveNetStack(inp(x).value, layers: layers)
        return o2(o1(Variable(skipSum).relu()).relu())
    }
}
