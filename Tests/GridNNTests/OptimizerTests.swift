// One and two steps of each optimiser on p = [1, -2, 0.5] with gradients g1 = [0.5, 0.1, -0.3], g2 = [-0.2, 0.4, 0.3];
// expected values from torch.optim (2.13, float64) with the same settings.
import Testing
import GridTensor
import GridAutograd
@testable import GridNN

private func run(_ make: ([Parameter]) -> Optimizer) -> [[Float]] {
    let p = Parameter(Tensor(shape: [3], scalars: [1, -2, 0.5]), requiresGrad: true)
    let opt = make([p])
    var out = [[Float]]()
    for g in [[Float(0.5), 0.1, -0.3], [-0.2, 0.4, 0.3]] {
        p.grad = Tensor(shape: [3], scalars: g)
        opt.step()
        out.append(p.value.scalars)
    }
    return out
}

private func close(_ a: [[Float]], _ b: [[Double]], tol: Double = 2e-5) -> Bool {
    zip(a, b).allSatisfy { zip($0, $1).allSatisfy { Swift.abs(Double($0) - $1) <= tol } }
}

@Suite(.serialized) struct OptimizerTests {
    @Test func sgdPlain() {
        #expect(close(run { SGD($0, learningRate: 0.1) }, [[0.95, -2.01, 0.53], [0.97, -2.05, 0.5]]))
    }
    @Test func sgdMomentumWeightDecay() {
        #expect(close(run { SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) },
                      [[0.949, -2.008, 0.5295], [0.922151, -2.053192, 0.5255205]]))
    }
    @Test func sgdNesterov() {
        #expect(close(run { SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true) },
                      [[0.905, -2.019, 0.557], [0.9025, -2.1031, 0.5243]]))
    }
    @Test func adam() {
        #expect(close(run { Adam($0, learningRate: 0.1) }, [[0.9, -2.1, 0.6], [0.86543942, -2.18843764, 0.59473684]]))
    }
    @Test func adamL2() {
        #expect(close(run { Adam($0, learningRate: 0.1, weightDecay: 0.1) },
                      [[0.9, -1.9, 0.6], [0.84751906, -1.93839509, 0.57707583]]))
    }
    @Test func adamW() {
        #expect(close(run { AdamW($0, learningRate: 0.1, weightDecay: 0.1) },
                      [[0.89, -2.08, 0.595], [0.84653942, -2.14763764, 0.58378684]]))
    }
    @Test func rmsprop() {
        #expect(close(run { RMSProp($0, learningRate: 0.01) }, [[0.9, -2.1, 0.6], [0.93730021, -2.19704267, 0.52911186]], tol: 1e-4))
    }
    @Test func rmspropCenteredMomentum() {
        #expect(close(run { RMSProp($0, learningRate: 0.01, momentum: 0.9, centered: true) },
                      [[0.89949624, -2.10050368, 0.60050375], [0.84639962, -2.2887188, 0.620069]], tol: 1e-4))
    }
    @Test func adagrad() {
        #expect(close(run { AdaGrad($0, learningRate: 0.1, lrDecay: 0.1) }, [[0.9, -2.1, 0.6], [0.93376279, -2.18819477, 0.53571757]]))
    }

    @Test func frozenAndGradlessParametersAreLeftAlone() {
        let a = Parameter(Tensor(ones: [2]), requiresGrad: true), b = Parameter(Tensor(ones: [2]), requiresGrad: true)
        let c = Parameter(Tensor(ones: [2]), requiresGrad: true)
        let opt = Adam([a, b, c], learningRate: 0.1)
        a.grad = Tensor(ones: [2]); b.grad = Tensor(ones: [2]); b.requiresGrad = false
        opt.step()
        #expect(a.value.scalars != [1, 1])
        #expect(b.value.scalars == [1, 1])
        #expect(c.value.scalars == [1, 1])
        #expect(opt.state()["1.exp_avg"] == nil)
    }

    @Test func stateRoundTripContinuesIdentically() throws {
        func setup() -> (Parameter, Adam) {
            let p = Parameter(Tensor(shape: [3], scalars: [1, -2, 0.5]), requiresGrad: true)
            return (p, Adam([("w", p)], learningRate: 0.1))
        }
        let (p, opt) = setup()
        for _ in 0..<3 { p.grad = Tensor(shape: [3], scalars: [0.5, 0.1, -0.3]); opt.step() }
        let state = opt.state()
        #expect(state["w.exp_avg"]?.shape == [3])
        #expect(state["step"]?.item == 3)
        let (q, opt2) = setup()
        q.value = p.value
        try opt2.load(state: state)
        #expect(opt2.stepCount == 3)
        p.grad = Tensor(shape: [3], scalars: [-0.2, 0.4, 0.3]); opt.step()
        q.grad = Tensor(shape: [3], scalars: [-0.2, 0.4, 0.3]); opt2.step()
        #expect(p.value.scalars == q.value.scalars)
        #expect(throws: StateError.self) { try opt2.load(state: ["step": Tensor(1), "v.exp_avg": Tensor(zeros: [3])]) }
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(every: 10, gamma: 0.5).rate(base: 1, step: 25) == 0.25)
        #expect(Swift.abs(LearningRateSchedule.cosine(totalSteps: 100).rate(base: 1, step: 50) - 0.5) < 1e-6)
        #expect(LearningRateSchedule.cosine(totalSteps: 100, minimum: 0.1).rate(base: 1, step: 200) == 0.1)
        let w = LearningRateSchedule.warmupCosine(warmupSteps: 10, totalSteps: 110)
        #expect(Swift.abs(w.rate(base: 1, step: 4) - 0.5) < 1e-6)
        #expect(w.rate(base: 1, step: 10) == 1)
        #expect(Swift.abs(w.rate(base: 1, step: 60) - 0.5) < 1e-6)
        // The optimiser applies the schedule before each step.
        let p = Parameter(Tensor(zeros: [1]), requiresGrad: true)
        let opt = SGD([p], learningRate: 1, schedule: .step(every: 1, gamma: 0.5))
        for _ in 0..<3 { p.grad = Tensor(ones: [1]); opt.step() }
        #expect(p.value.scalars == [-1.75])
    }

    @Test func clipping() {
        let a = Parameter(Tensor(zeros: [2]), requiresGrad: true), b = Parameter(Tensor(zeros: [1]), requiresGrad: true)
        a.grad = Tensor(shape: [2], scalars: [3, 0]); b.grad = Tensor(shape: [1], scalars: [4])
        let norm = clipGradNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        #expect(Swift.abs(a.grad!.scalars[0] - 0.6) < 1e-5 && Swift.abs(b.grad!.scalars[0] - 0.8) < 1e-5)
        #expect(clipGradNorm([a, b], maxNorm: 10) < 1.0001)
        clipGradValue([b], limit: 0.5)
        #expect(b.grad!.scalars == [0.5])
    }
}
