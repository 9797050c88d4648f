// Graph mechanics: accumulation, zeroGrad, no-grad mode, detaching, shared inputs, seeds for non-scalar outputs.
import Foundation
import Testing
import GridTensor
@testable import GridAutograd

@Suite struct AutogradMechanicsTests {
    let x0 = Tensor(shape: [3], scalars: [1, -2, 0.5])

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Variable(x0, requiresGrad: true)
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, -4, 1])
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [4, -8, 2])
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [7, -5, 5])
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, -4, 1])
    }

    @Test func noGradModeRecordsNothing() {
        let x = Variable(x0, requiresGrad: true)
        #expect(GradMode.isEnabled)
        let y = GradMode.withNoGrad { (x * x).exp().sum() }
        #expect(!y.requiresGrad && y.isLeaf && y.parents.isEmpty)
        #expect(approxEqualA([y.value.item], [Float(Foundation.exp(1.0) + Foundation.exp(4.0) + Foundation.exp(0.25))]))
        #expect(GradMode.isEnabled, "no-grad mode must end with its body")
        let nested: Bool = GradMode.withNoGrad { GradMode.withNoGrad { GradMode.isEnabled } || GradMode.isEnabled }
        #expect(!nested && GradMode.isEnabled)
        struct Boom: Error {}
        #expect(throws: Boom.self) { try GradMode.withNoGrad { throw Boom() } }
        #expect(GradMode.isEnabled, "no-grad mode must end when its body throws")
        // With it on again, the same expression records.
        let z = (x * x).sum()
        #expect(z.requiresGrad && !z.isLeaf && z.parents.count == 1)
    }

    @Test func constantsDoNotRecordOrReceiveGradients() {
        let a = Variable(x0), b = Variable(x0 * 2)
        let c = a * b + a
        #expect(!c.requiresGrad && c.isLeaf)
        let w = Variable(x0, requiresGrad: true)
        (a * w).sum().backward()
        #expect(a.grad == nil && w.grad?.scalars == x0.scalars)
        // Intermediate results are not leaves and keep no gradient.
        let h = w * 2
        (h * h).sum().backward()
        #expect(h.grad == nil)
    }

    @Test func detachedCutsTheGraph() {
        let x = Variable(x0, requiresGrad: true)
        let d = (x * 2).detached()
        #expect(!d.requiresGrad && d.isLeaf && d.value.scalars == [2, -4, 1])
        (d * x).sum().backward()
        // Only the direct path: d/dx (d * x) = d, not 4x.
        #expect(x.grad?.scalars == [2, -4, 1])
    }

    @Test func diamondGraphSumsBothPaths() {
        let x = Variable(x0, requiresGrad: true)
        let a = x * 3, b = x.exp()
        (a * b).sum().backward()
        let expected = x0.scalars.map { 3 * Foundation.exp($0) + 3 * $0 * Foundation.exp($0) }
        #expect(approxEqualA(x.grad!.scalars, expected))
        // The same variable on both sides of one op.
        let y = Variable(x0, requiresGrad: true)
        (y * y + y).sum().backward()
        #expect(y.grad?.scalars == [3, -3, 2])
        // A deeper diamond: a = 2x, b = a + 1, c = a^2, L = sum(b c) = sum((2x + 1)(4x^2)); dL/dx = 24x^2 + 8x.
        let z = Variable(x0, requiresGrad: true)
        let za = z * 2
        ((za + 1) * (za * za)).sum().backward()
        #expect(approxEqualA(z.grad!.scalars, x0.scalars.map { 24 * $0 * $0 + 8 * $0 }))
    }

    @Test func nonScalarBackwardTakesASeed() {
        let x = Variable(x0, requiresGrad: true)
        let y = x * x
        y.backward(Tensor(shape: [3], scalars: [1, 2, 3]))
        #expect(x.grad?.scalars == [2, -8, 3])
    }

    @Test func nonScalarBackwardWithoutSeedTraps() async {
        await #expect(processExitsWith: .failure) {
            let v = Variable(Tensor(ones: [3]), requiresGrad: true)
            (v * 2).backward()
        }
    }

    @Test func mismatchedBroadcastTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Variable(Tensor(ones: [2, 3]), requiresGrad: true) + Variable(Tensor(ones: [4, 3]))
        }
    }

    /// GradMode is per task/thread: another thread in no-grad mode must not stop this one recording (swift-testing
    /// runs tests concurrently, and GradCheck evaluates its probes in no-grad mode).
    @Test func noGradOnAnotherThreadDoesNotLeak() {
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            GradMode.withNoGrad {
                entered.signal()
                release.wait()
            }
            done.signal()
        }
        entered.wait()
        let x = Variable(x0, requiresGrad: true)
        let y = (x * x).sum()
        let recorded = GradMode.isEnabled && y.requiresGrad
        release.signal()
        done.wait()
        #expect(recorded, "a no-grad block on another thread switched graph recording off here")
    }
}

func approxEqualA(_ a: [Float], _ b: [Float], tol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($1)) }
}
