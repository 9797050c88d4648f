// How GridNN's own layers lower into an inference plan (eval mode: batch norm uses its running statistics,
// dropout is the identity). Layers not handled here become graph steps.
import GridTensor
import GridAutograd

extension PlanBuilder {
    func lowerBuiltIn(_ layer: any Layer, _ x: PlanValue) -> PlanValue? {
        let s = shape(x)
        switch layer {
        case let seq as Sequential:
            return seq.layers.reduce(x) { lower($1, $0) }
        case is Identity, is Dropout:
            return x
        case let c as Conv:
            guard s.count == c.config.spatialRank + 2, s[1] == c.config.inChannels,
                  let g = try? ConvGeometry(batch: s[0], inChannels: s[1], outChannels: c.config.outChannels,
                                            input: Array(s.dropFirst(2)), kernel: c.config.kernel, stride: c.config.stride,
                                            dilation: c.config.dilation, padding: c.config.padding, groups: c.config.groups,
                                            allowFloor: c.config.allowFloor) else { return nil }
            return conv(x, geometry: g, weight: c.weight.value, bias: c.bias?.value)
        case let t as ConvTranspose:
            let cfg = t.config
            guard s.count == cfg.spatialRank + 2, s[1] == cfg.inChannels,
                  let g = try? ConvGeometry.transposed(batch: s[0], inChannels: cfg.inChannels, outChannels: cfg.outChannels,
                                                       input: Array(s.dropFirst(2)), kernel: cfg.kernel, stride: cfg.stride,
                                                       padding: cfg.padding, outputPadding: cfg.outputPadding,
                                                       dilation: cfg.dilation, groups: cfg.groups) else { return nil }
            return convTranspose(x, geometry: g, weight: t.weight.value, bias: t.bias?.value)
        case let bn as BatchNorm:
            guard s.count >= 2, s[1] == bn.config.channels else { return nil }
            let (scale, shift) = bn.inferenceAffine()
            return affine(x, scale: scale, shift: shift)
        case let a as Activation:
            switch a.kind {
            case .identity: return x
            case .relu: return activation(x, .relu)
            case .sigmoid: return activation(x, .sigmoid)
            case .tanh: return activation(x, .tanh)
            default: return nil
            }
        case let p as MaxPool:
            let r = s.count - 2
            guard r >= 1,
                  let g = try? ConvGeometry.pooling(batch: s[0], channels: s[1], input: Array(s.dropFirst(2)),
                                                    kernel: expandToRank(p.kernel, r, "kernel"),
                                                    stride: p.stride.map { expandToRank($0, r, "stride") },
                                                    padding: expandToRank(p.padding, r, "padding")) else { return nil }
            return maxPool(x, geometry: g)
        case let res as Residual:
            let y = lower(res.body, x)
            let skip = res.shortcut.map { lower($0, x) } ?? x
            return shape(y) == shape(skip) ? sum(y, skip) : nil
        case let cat as Concat where cat.axis == 1:
            return concat(cat.branches.map { lower($0, x) })
        default:
            return nil
        }
    }
}

extension BatchNorm {
    /// The eval-mode batch norm as y = x * scale + shift per channel: scale = gamma / sqrt(runningVar + eps),
    /// shift = beta - runningMean * scale.
    public func inferenceAffine() -> (scale: Tensor, shift: Tensor) {
        let c = config.channels
        let gamma = weight?.value.scalars ?? [Float](repeating: 1, count: c)
        let beta = bias?.value.scalars ?? [Float](repeating: 0, count: c)
        let mean = runningMean.value.scalars, variance = runningVar.value.scalars
        var scale = [Float](repeating: 0, count: c), shift = scale
        for i in 0..<c {
            scale[i] = gamma[i] * (1 / (variance[i] + config.eps).squareRoot())
            shift[i] = beta[i] - mean[i] * scale[i]
        }
        return (Tensor(shape: [c], scalars: scale), Tensor(shape: [c], scalars: shift))
    }
}
