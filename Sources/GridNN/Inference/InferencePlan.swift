// A model compiled for inference: lowered once per input shape into fused kernel steps over one reused arena.
import Foundation
import GridTensor
import GridAutograd

/// A model in eval mode, compiled for repeated inference. For each input shape it meets, the model is lowered
/// (`PlanLowering`, GridNN's layers, else a graph step), batch norms are folded into the preceding convolution,
/// ReLU/sigmoid/tanh run in the convolution's epilogue, concatenations are written in place by their producers,
/// and every intermediate buffer is placed once in an arena that later calls reuse (no allocation per call but the
/// result). The weights are copied when a shape is first compiled: after the model's weights change, call
/// `invalidate()` (or make a new plan). Calls are serialised by a lock, so one plan may be shared across threads,
/// but it runs one input at a time.
public final class InferencePlan {
    /// The model the plan runs (put it in eval mode; its weights are copied when a shape is first compiled).
    public let model: any Layer
    private var compiled: [[Int]: CompiledPlan] = [:]
    /// Shapes in the order they were compiled: beyond `maxShapes` the oldest is dropped with its arena (tiled
    /// inference meets a few edge-tile shapes; a caller feeding ever new shapes must not grow memory without end).
    private var order: [[Int]] = []
    private let lock = NSLock()
    /// Compiled shapes kept at once.
    public static let maxShapes = 8

    /// A plan for `model`; nothing is compiled until the first call.
    public init(_ model: any Layer) { self.model = model }

    /// The model's eval-mode output for x [N, C, spatial...] (equal to `model(x)` without gradients within
    /// rounding: folded batch norms and fused epilogues round differently).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        return plan(for: x.shape).run(x)
    }

    /// Forgets the compiled shapes (their copied weights), e.g. after training changed the model.
    public func invalidate() {
        lock.lock()
        compiled = [:]
        order = []
        lock.unlock()
    }

    /// The optimised steps for an input shape, one line each ("Conv+relu -> [4, 32, 128, 128]").
    public func steps(for shape: [Int]) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return plan(for: shape).stepDescriptions
    }

    /// Bytes of intermediate buffers the plan holds for an input shape (the planned peak, reused by every call).
    public func arenaBytes(for shape: [Int]) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return plan(for: shape).arenaFloats * 4
    }

    private func plan(for shape: [Int]) -> CompiledPlan {
        if let p = compiled[shape] { return p }
        let builder = PlanBuilder(inputShape: shape)
        let out = builder.lower(model, builder.input)
        let p = CompiledPlan(builder: builder, output: out)
        if order.count >= Self.maxShapes { compiled[order.removeFirst()] = nil }
        compiled[shape] = p
        order.append(shape)
        return p
    }
}
