// How the architectures whose forward is not a plain chain lower into an inference plan (GridNN's InferencePlan).
// Each mirrors its eval-mode forward step for step; the plan's optimiser then folds and fuses.
import GridTensor
import GridAutograd
import GridNN

extension UNetBlock: PlanLowering {
    /// Both convolutions with their batch norms and ReLUs, as the eval-mode forward.
    public func lower(into plan: PlanBuilder, _ x: PlanValue) -> PlanValue {
        var h = plan.lower(conv1, x)
        if let bn1 { h = plan.lower(bn1, h) }
        h = plan.lower(conv2, plan.activation(h, .relu))
        if let bn2 { h = plan.lower(bn2, h) }
        return plan.activation(h, .relu)
    }
}

extension UNet: PlanLowering {
    /// Encoder, bottleneck and decoder with the skip concatenations, as the eval-mode forward; traps unless every spatial
    /// size is divisible by 2^depth.
    public func lower(into plan: PlanBuilder, _ x: PlanValue) -> PlanValue {
        let factor = 1 << config.depth, s = plan.shape(x)
        precondition(s.count == config.spatialRank + 2 && s.dropFirst(2).allSatisfy { $0 % factor == 0 },
                     "UNet(depth \(config.depth)) needs [N, C] + \(config.spatialRank) spatial sizes divisible by \(factor), got \(shapeDescription(s))")
        var h = x, skips = [PlanValue]()
        for block in down { h = plan.lower(block, h); skips.append(h); h = plan.lower(pool, h) }
        h = plan.lower(mid, h)
        for (u, d) in zip(up, dec) { h = plan.lower(d, plan.concat([plan.lower(u, h), skips.removeLast()])) }
        return plan.lower(out, h)
    }
}

extension SRCNN: PlanLowering {
    /// The three convolutions, plus the residual input channel when configured.
    public func lower(into plan: PlanBuilder, _ x: PlanValue) -> PlanValue {
        let y = plan.lower(body, x)
        guard let r = config.residualChannel else { return y }
        return plan.addingChannel(y, x, channel: r)
    }
}

extension TDNN: PlanLowering {
    /// The 1-D convolutions, then the sum over time when `sumOverTime`.
    public func lower(into plan: PlanBuilder, _ x: PlanValue) -> PlanValue {
        let y = plan.lower(body, x)
        return config.sumOverTime ? plan.graph(Lambda("SumOverTime") { $0.sum(axes: [2]) }, y) : y
    }
}
