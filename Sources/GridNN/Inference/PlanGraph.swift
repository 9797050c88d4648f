// The graph an inference plan is built from: values [N, C, spatial...] with known shapes, and steps that read and
// write them. A model is lowered into it op by op (`PlanBuilder`); `PlanOptimizer` then folds batch norms,
// fuses activations and concatenations, and `CompiledPlan` places every value in one reused arena.
import CGridKernels
import GridTensor
import GridAutograd

/// A value in an inference plan: an activation tensor [N, C, spatial...] whose shape is known at build time.
public struct PlanValue: Hashable, Sendable {
    /// The value's index in its plan.
    public let id: Int
}

/// One step of a plan. A class, so that the optimiser's passes can rewrite it in place.
final class PlanStep {
    enum Kind {
        /// y = act(conv(x, weight) + bias [+ addend]); geometry: the convolution.
        case conv
        /// y = act(convTranspose(x, weight) + bias); geometry: the convolution whose input gradient it is.
        case convTranspose
        /// y = maxpool(x); geometry: the pooling windows.
        case maxPool
        /// y = (x - mean) * invstd * gamma + beta per channel (a batch norm that could not be folded).
        case batchNorm
        /// y = act(x) (an activation that could not be fused into its producer).
        case activation
        /// y = x0 + x1.
        case add
        /// y[:, o] = x0[:, o] + x1[:, channel] for every o (a residual over one input channel).
        case addChannel
        /// y = concat(inputs) along channels; optimised away where the producers can write into it directly.
        case concat
        /// y = layer(x) through the autograd forward without gradients: anything the plan has no step for.
        case graph
        /// y = x with zeros around it (padLo / padHi per spatial axis): the input of a few-channel convolution
        /// padded once, so the direct kernel reads every window in place instead of copying edge windows.
        case pad
    }

    let kind: Kind
    var inputs: [PlanValue]
    var output: PlanValue
    var geometry: ConvGeometry?
    /// The C geometry for the whole batch and for one image, made once when the plan is compiled.
    var batchedGeometry = gk_conv_geom(), imageGeometry = gk_conv_geom()
    var weight: Tensor?
    /// Convolutions: the weights transformed once for their kernel path (Winograd-domain filters), or nil.
    var prepared: Tensor?
    var bias: Tensor?
    var activation: FusedActivation = .none
    var channel = 0
    /// Batch norm: scale and shift per channel (folded from gamma, beta, running statistics and eps).
    var scale: Tensor?, shift: Tensor?
    var layer: (any Layer)?
    /// Graph steps: the spatial dims of the input, to rebuild its tensor. Pad steps: the input's spatial dims.
    var inputSpatial: [Int] = []
    /// Pad steps: zeros before and after each spatial axis.
    var padLo: [Int] = [], padHi: [Int] = []
    let label: String

    init(_ kind: Kind, inputs: [PlanValue], output: PlanValue, label: String) {
        self.kind = kind; self.inputs = inputs; self.output = output; self.label = label
    }
}

/// Collects the steps of a plan for one input shape. Layers lower themselves through it (`PlanLowering`), and
/// anything without a lowering runs as a graph step, so every model gets a correct plan.
public final class PlanBuilder {
    var shapes: [[Int]] = []
    var steps: [PlanStep] = []
    /// The plan's input value.
    public private(set) var input: PlanValue

    init(inputShape: [Int]) {
        shapes = [inputShape]
        input = PlanValue(id: 0)
    }

    /// The shape of a value.
    public func shape(_ v: PlanValue) -> [Int] { shapes[v.id] }

    func newValue(_ shape: [Int]) -> PlanValue {
        shapes.append(shape)
        return PlanValue(id: shapes.count - 1)
    }

    @discardableResult
    func add(_ kind: PlanStep.Kind, _ inputs: [PlanValue], shape: [Int], label: String,
             configure: (PlanStep) -> Void = { _ in }) -> PlanValue {
        let out = newValue(shape)
        let step = PlanStep(kind, inputs: inputs, output: out, label: label)
        configure(step)
        steps.append(step)
        return out
    }

    /// Lowers a layer: its own `PlanLowering` if it has one, the built-in layers of GridNN, else a graph step.
    public func lower(_ layer: any Layer, _ x: PlanValue) -> PlanValue {
        if let l = layer as? any PlanLowering { return l.lower(into: self, x) }
        if let v = lowerBuiltIn(layer, x) { return v }
        return graph(layer, x)
    }

    /// A step that runs `layer` through its autograd forward (no gradients) on a copy of x.
    public func graph(_ layer: any Layer, _ x: PlanValue) -> PlanValue {
        let probe = evalForward(layer, Tensor(zeros: shape(x))).shape   // eval: no batch-norm update, no dropout draw
        return add(.graph, [x], shape: probe, label: layer.typeName) {
            $0.layer = layer; $0.inputSpatial = Array(shape(x).dropFirst(2))
        }
    }

    /// y = act(conv(x) + bias) with the convolution's own weights (copied: the plan keeps its own).
    public func conv(_ x: PlanValue, geometry g: ConvGeometry, weight: Tensor, bias: Tensor?, label: String = "Conv") -> PlanValue {
        precondition(shape(x) == g.inputShape, "plan: conv expects \(shapeDescription(g.inputShape)), got \(shapeDescription(shape(x)))")
        return add(.conv, [x], shape: g.outputShape, label: label) {
            $0.geometry = g; $0.weight = weight.contiguous(); $0.bias = bias?.contiguous()
        }
    }

    /// A transposed convolution: `g` is the convolution whose input gradient it computes.
    public func convTranspose(_ x: PlanValue, geometry g: ConvGeometry, weight: Tensor, bias: Tensor?,
                              label: String = "ConvTranspose") -> PlanValue {
        precondition(shape(x) == g.outputShape, "plan: conv transpose expects \(shapeDescription(g.outputShape)), got \(shapeDescription(shape(x)))")
        return add(.convTranspose, [x], shape: g.inputShape, label: label) {
            $0.geometry = g; $0.weight = weight.contiguous(); $0.bias = bias?.contiguous()
        }
    }

    /// Max pooling over the windows of `g`.
    public func maxPool(_ x: PlanValue, geometry g: ConvGeometry) -> PlanValue {
        add(.maxPool, [x], shape: g.outputShape, label: "MaxPool") { $0.geometry = g }
    }

    /// An eval-mode batch norm: y = x * scale + shift per channel.
    public func affine(_ x: PlanValue, scale: Tensor, shift: Tensor, label: String = "BatchNorm") -> PlanValue {
        add(.batchNorm, [x], shape: shape(x), label: label) { $0.scale = scale; $0.shift = shift }
    }

    /// y = act(x) for the activations a kernel epilogue can apply.
    public func activation(_ x: PlanValue, _ act: FusedActivation) -> PlanValue {
        act == .none ? x : add(.activation, [x], shape: shape(x), label: "\(act)") { $0.activation = act }
    }

    /// y = a + b (same shapes).
    public func sum(_ a: PlanValue, _ b: PlanValue) -> PlanValue {
        precondition(shape(a) == shape(b), "plan: adding \(shapeDescription(shape(a))) and \(shapeDescription(shape(b)))")
        return add(.add, [a, b], shape: shape(a), label: "Add")
    }

    /// y[:, o] = a[:, o] + b[:, channel] for every channel o of a.
    public func addingChannel(_ a: PlanValue, _ b: PlanValue, channel: Int) -> PlanValue {
        let sa = shape(a), sb = shape(b)
        precondition(sa[0] == sb[0] && Array(sa.dropFirst(2)) == Array(sb.dropFirst(2)) && channel < sb[1],
                     "plan: residual channel \(channel) of \(shapeDescription(sb)) does not fit \(shapeDescription(sa))")
        return add(.addChannel, [a, b], shape: sa, label: "AddChannel") { $0.channel = channel }
    }

    /// Concatenation along channels.
    public func concat(_ xs: [PlanValue]) -> PlanValue {
        var s = shape(xs[0])
        s[1] = xs.map { shape($0)[1] }.reduce(0, +)
        for x in xs { precondition(shape(x)[0] == s[0] && Array(shape(x).dropFirst(2)) == Array(s.dropFirst(2)), "plan: concat of mismatched shapes") }
        return add(.concat, xs, shape: s, label: "Concat")
    }
}

/// layer(x) in eval mode without gradients, the layer's own mode given back after (graph steps and their probes).
func evalForward(_ layer: any Layer, _ x: Tensor) -> Tensor {
    let was = layer.isTraining
    layer.isTraining = false
    defer { layer.isTraining = was }
    return GradMode.withNoGrad { layer(Variable(x)).value }
}

/// A layer that knows how to lower itself into an inference plan (architectures whose forward is not a chain).
public protocol PlanLowering: Layer {
    /// Appends this layer's steps for input x (eval mode) and returns its output value.
    func lower(into plan: PlanBuilder, _ x: PlanValue) -> PlanValue
}
