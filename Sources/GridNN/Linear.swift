// Dense layers: Linear (PyTorch's layout, weight [out, in]) and maxout.
import GridTensor
import GridAutograd

/// Settings of a dense layer.
public struct LinearConfig: Codable, Equatable, Sendable {
    /// Input features (the input's last axis).
    public var inFeatures: Int
    /// Output features.
    public var outFeatures: Int
    /// Whether a bias `[out]` is added.
    public var bias: Bool
    /// How the weight is drawn (PyTorch's default unless set).
    public var weightInit: Initializer

    /// Settings for `inFeatures` -> `outFeatures`.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, weightInit: Initializer = .pytorchDefault) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.bias = bias; self.weightInit = weightInit
    }

    /// Weights plus biases.
    public var parameterCount: Int { inFeatures * outFeatures + (bias ? outFeatures : 0) }
    /// A ``Linear`` with weights drawn from `rng`.
    public func build(rng: inout SeededGenerator) -> Linear { Linear(self, rng: &rng) }
}

/// y[..., out] = x[..., in] W^T + b with W [out, in]: leading axes are batch axes.
public final class Linear: Module {
    /// The settings it was built with.
    public let config: LinearConfig
    /// `[out, in]` (PyTorch's layout).
    public let weight: Parameter
    /// `[out]`, or nil without bias.
    public let bias: Parameter?

    /// A dense layer with weight and bias drawn from `rng`.
    public init(_ config: LinearConfig, rng: inout SeededGenerator) {
        self.config = config
        weight = Parameter(config.weightInit.make([config.outFeatures, config.inFeatures], rng: &rng), requiresGrad: true)
        bias = config.bias ? Parameter(config.weightInit.makeBias(count: config.outFeatures, fanIn: config.inFeatures, rng: &rng), requiresGrad: true) : nil
    }

    /// A dense layer `inFeatures` -> `outFeatures` with weights drawn from `rng`.
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, weightInit: Initializer = .pytorchDefault,
                            rng: inout SeededGenerator) {
        self.init(LinearConfig(inFeatures, outFeatures, bias: bias, weightInit: weightInit), rng: &rng)
    }

    /// `x` `[..., in]` -> `[..., out]`; traps when the last axis is not `in`.
    public override func forward(_ x: Variable) -> Variable { Linear.apply(x, weight: weight, bias: bias) }

    /// The dense product as one graph node: one GEMM forward, two backward (no transposed copy of W).
    public static func apply(_ x: Variable, weight w: Variable, bias b: Variable?) -> Variable {
        let inF = w.shape[1], outF = w.shape[0]
        precondition(x.shape.last == inF, "Linear(\(inF)->\(outF)) got input \(shapeDescription(x.shape))")
        let lead = Array(x.shape.dropLast())
        let x2 = x.value.reshaped([-1, inF])
        var y = Tensor.matmul(x2, w.value, transposeB: true)
        if let b { y = y + b.value.reshaped([1, outF]) }
        let parents = b.map { [x, w, $0] } ?? [x, w]
        let xShape = x.shape
        return Variable.op(y.reshaped(lead + [outF]), parents) { g in
            let g2 = g.reshaped([-1, outF])
            let dx = x.requiresGrad ? Tensor.matmul(g2, w.value).reshaped(xShape) : nil
            let dw = w.requiresGrad ? Tensor.matmul(g2, x2, transposeA: true) : nil
            let db = (b?.requiresGrad ?? false) ? g2.sum(axes: [0]) : nil
            return [dx, dw, db]
        }
    }
}

/// Maxout (Goodfellow et al. 2013): `pieces` linear maps per unit, keep the largest.
/// x [N, in] -> Linear to [N, out * pieces] -> [N, out, pieces] -> max over pieces -> [N, out].
public final class MaxOut: Module {
    /// The dense map to `outFeatures * pieces` values.
    public let linear: Linear
    /// Output units, and the linear pieces each unit takes the maximum of.
    public let outFeatures: Int, pieces: Int

    /// A maxout layer `inFeatures` -> `outFeatures` with `pieces` (at least 1) per unit.
    public init(_ inFeatures: Int, _ outFeatures: Int, pieces: Int, weightInit: Initializer = .pytorchDefault, rng: inout SeededGenerator) {
        precondition(pieces >= 1, "maxout needs at least one piece")
        self.outFeatures = outFeatures; self.pieces = pieces
        linear = Linear(inFeatures, outFeatures * pieces, weightInit: weightInit, rng: &rng)
    }

    /// `[..., in]` -> `[..., out]`: the largest of each unit's pieces.
    public override func forward(_ x: Variable) -> Variable {
        let y = linear(x)
        let lead = Array(y.shape.dropLast())
        return y.reshaped(lead + [outFeatures, pieces]).max(axes: [lead.count + 1])
    }
}
