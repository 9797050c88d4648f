// Shared pieces of the gradient-check tables: seeded inputs and one case type run through GradCheck.worst.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

/// One row of a gradient-check table. `inputs` are made fresh for every run; `f` must be deterministic.
struct GradCase: CustomTestStringConvertible, @unchecked Sendable {
    let name: String
    let eps: Float
    let tol: Double
    let inputs: () -> [Tensor]
    let f: ([Variable]) -> Variable
    var testDescription: String { name }

    init(_ name: String, eps: Float = 1e-2, tol: Double = 2e-3, _ inputs: @autoclosure @escaping () -> [Tensor],
         _ f: @escaping ([Variable]) -> Variable) {
        self.name = name; self.eps = eps; self.tol = tol; self.inputs = inputs; self.f = f
    }
}

/// Runs the central-difference check and expects the worst relative error below the case's tolerance.
func expectGradientsMatch(_ c: GradCase, sourceLocation: SourceLocation = #_sourceLocation) {
    let xs = c.inputs()
    let out = c.f(xs.map { Variable($0, requiresGrad: true) })
    #expect(out.requiresGrad, "\(c.name) did not record a graph", sourceLocation: sourceLocation)
    let worst = GradCheck.worst(inputs: xs, eps: c.eps, c.f)
    if ProcessInfo.processInfo.environment["GRADCHECK_REPORT"] != nil { print("GRADREPORT \(worst.error) \(c.name)") }
    #expect(worst.error < c.tol, "\(c.name): \(worst) (error \(worst.error))", sourceLocation: sourceLocation)
}

/// Uniform values in [low, high).
func rnd(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, rng: &g)
}

/// Distinct values, pairwise at least `gap` apart and at least gap/2 from zero, in random order: keeps max, relu,
/// abs and pooling away from their kinks and ties under a perturbation of eps < gap/2.
func spread(_ shape: [Int], seed: UInt64, gap: Float = 0.1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    let n = elementCount(shape)
    var order = Array(0..<n)
    order.shuffle(using: &g)
    return Tensor(shape: shape, scalars: order.map { (Float($0) - Float(n) / 2 + 0.5) * gap })
}

/// Random 0/1 values (a mask or binary target) with at least one of each when count >= 2.
func binary(_ shape: [Int], seed: UInt64, p: Float = 0.5) -> Tensor {
    var g = SeededGenerator(seed: seed)
    var v = (0..<elementCount(shape)).map { _ in g.nextUniform() < p ? Float(1) : 0 }
    if v.count >= 2 { v[0] = 1; v[v.count - 1] = 0 }
    return Tensor(shape: shape, scalars: v)
}

@Suite struct GradCheckHarnessTests {
    /// The checker must flag a wrong backward rule (here 3 instead of 2), or every table below proves nothing.
    @Test func detectsAWrongGradient() {
        let wrong = GradCheck.worst(inputs: [rnd([3, 2], seed: 1)]) { v in
            Variable.op(v[0].value * 2, [v[0]]) { g in [g * 3] }
        }
        #expect(wrong.error > 0.3)
        let missing = GradCheck.worst(inputs: [rnd([3], seed: 2), rnd([3], seed: 3)]) { v in
            Variable.op(v[0].value * v[1].value, v) { g in [g * v[1].value, nil] }
        }
        #expect(missing.error > 0.05 && missing.input == 1)
        let right = GradCheck.worst(inputs: [rnd([3, 2], seed: 1)]) { v in
            Variable.op(v[0].value * 2, [v[0]]) { g in [g * 2] }
        }
        #expect(right.error < 1e-3)
    }
}
