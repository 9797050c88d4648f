// `gridcnn bench`: the four workloads of shared/bench/torch_ref.py with identical shapes, a training step
// (forward, backward, Adam) and an inference pass each, timed as the minimum over repeats (another tenant may load
// a core). FLOP counts are those of PyTorch's FLOP counter on the same workloads, so GFLOP/s compare directly.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import CGridKernels

/// One of the four workloads of `shared/bench/torch_ref.py` that `gridcnn bench` times (the raw value is the CLI name):
/// `srcnn` (batch 16 of 2x64x64), `unet` (batch 4 of 2x128x128), `wavenet` (one 16000-sample one-hot sequence, 256
/// classes) and `tdnn` (batch 64 of 16x15 frames), with the same shapes as the PyTorch peer.
public enum BenchWorkload: String, CaseIterable, Codable, Sendable { case srcnn, unet, wavenet, tdnn }

/// One timing of `Bench.run`: a workload's training step or inference pass at one thread count (a row of
/// `gridcnn bench` and an element of its `--json` array).
public struct BenchRecord: Codable, Sendable {
    /// The workload's name (`BenchWorkload.rawValue`).
    public var workload: String
    /// "train" (forward, backward and an Adam update) or "infer" (forward only, no gradients).
    public var phase: String
    /// Compute threads the timing ran with.
    public var threads: Int
    /// Milliseconds per step: the minimum over `repeats` runs of the mean over the run's steps.
    public var ms: Double
    /// Achieved GFLOP/s, from the FLOP count PyTorch's FLOP counter gives for the same workload (so it compares directly
    /// with the peer's figure).
    public var gflops: Double
    /// `gflops` as a percentage of the measured FP32 FMA peak per core (`Bench.peakGFLOPsPerCore`) times `threads`.
    public var percentOfPeak: Double
    /// Timed runs the minimum was taken over.
    public var repeats: Int
}

/// `gridcnn bench`: times the training step and the inference pass of the peer workloads.
public enum Bench {
    /// Per-core FP32 peak for "% of peak": measured once on this CPU with the widest vectors the kernels use (Zen 4
    /// runs 512-bit FMAs at the 256-bit rate, ~120 GFLOP/s; Zen 5 at twice it).
    public static let peakGFLOPsPerCore = gk_fma_peak_gflops()

    /// GFLOP per step as counted by torch.utils.flop_counter on torch_ref.py's workloads (train, inference).
    static let flops: [BenchWorkload: (train: Double, infer: Double)] = [
        .srcnn: (3.84, 1.73), .unet: (72.2, 24.1), .wavenet: (9.3, 3.2), .tdnn: (0.002, 0.0007),
    ]

    struct Setup {
        let model: any Layer
        let input: Tensor
        let loss: (Variable) -> Variable

        /// One training step on the fixed input (forward, backward, Adam at torch_ref.py's learning rate).
        func trainingStep() -> () -> Void {
            let opt = Adam(model.parameters.map(\.param), learningRate: 1e-3)
            let x = Variable(input)
            return {
                opt.zeroGrad()
                loss(model(x)).backward()
                opt.step()
            }
        }
    }

    static func setup(_ w: BenchWorkload) -> Setup {
        var rng = SeededGenerator(seed: 0)
        switch w {
        case .srcnn:
            let y = Tensor.normal([16, 1, 64, 64], rng: &rng)
            return Setup(model: SRCNN(SRCNNConfig(inChannels: 2)), input: Tensor.normal([16, 2, 64, 64], rng: &rng)) { Loss.mse($0, Variable(y)) }
        case .unet:
            let y = Tensor.normal([4, 1, 128, 128], rng: &rng)
            return Setup(model: UNet(UNetConfig()), input: Tensor.normal([4, 2, 128, 128], rng: &rng)) { Loss.mse($0, Variable(y)) }
        case .wavenet:
            let n = 16000
            let classes = (0..<n).map { _ in Int(rng.next() % 256) }
            var x = Tensor(zeros: [1, 256, n])
            x.withUnsafeMutableBufferPointer { p in for t in 0..<n { p[classes[t] * n + t] = 1 } }
            let targets = (0..<n).map { _ in Int(rng.next() % 256) }
            return Setup(model: WaveNet(WaveNetConfig()), input: x) { Loss.crossEntropy($0, targets: targets) }
        case .tdnn:
            let y = Tensor.normal([64, 3, 9], rng: &rng)
            return Setup(model: TDNN(TDNNConfig(sumOverTime: false)), input: Tensor.normal([64, 16, 15], rng: &rng)) { Loss.mse($0, Variable(y)) }
        }
    }

    /// Times `steps` training steps and `steps` inference passes after 3 warm-up steps; minimum of `repeats` runs.
    /// Builds the workload with seed 0, runs 3 warm-up training steps, then times `steps` training steps and `steps`
    /// inference passes (default 10; 3 for unet, 50 for tdnn), each the minimum over `repeats` runs, on `threads` threads
    /// (the global thread count is restored afterwards). Returns two records: "train" and "infer". Prints nothing.
    /// `phases`: "train" and/or "infer".
    public static func run(_ w: BenchWorkload, threads: Int, repeats: Int = 3, steps: Int? = nil,
                           phases: Set<String> = ["train", "infer"]) -> [BenchRecord] {
        GridRuntime.withThreads(threads) { measure(w, threads: threads, repeats: repeats, steps: steps, phases: phases) }
    }

    static func measure(_ w: BenchWorkload, threads: Int, repeats: Int, steps: Int?, phases: Set<String>) -> [BenchRecord] {
        let s = setup(w)
        let n = steps ?? (w == .tdnn ? 50 : (w == .unet ? 3 : 10))
        var train = Double.nan
        if phases.contains("train") {
            let trainStep = s.trainingStep()
            s.model.train()
            for _ in 0..<3 { trainStep() }
            train = minimumTime(repeats: repeats) { for _ in 0..<n { trainStep() } } / Double(n)
        }
        s.model.eval()
        // Inference as the apply jobs run it: the model compiled into an InferencePlan (folded, fused, no allocation).
        let plan = InferencePlan(s.model), input = s.input
        let infer: Double = !phases.contains("infer") ? .nan : GradMode.withNoGrad {
            for _ in 0..<3 { _ = plan(input) }
            return minimumTime(repeats: repeats) { for _ in 0..<n { _ = plan(input) } } / Double(n)
        }
        let f = flops[w]!
        return [("train", train, f.train), ("infer", infer, f.infer)].filter { phases.contains($0.0) }.map { phase, seconds, gf in
            let rate = gf / seconds
            return BenchRecord(workload: w.rawValue, phase: phase, threads: threads, ms: seconds * 1000, gflops: rate,
                               percentOfPeak: 100 * rate / (peakGFLOPsPerCore * Double(threads)), repeats: repeats)
        }
    }

    static func minimumTime(repeats: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<max(repeats, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }

    /// The records as the fixed-width text table `gridcnn bench` prints (workload, phase, threads, ms, GFLOP/s, % peak).
    public static func table(_ records: [BenchRecord]) -> String {
        var lines = ["workload  phase  threads        ms    GFLOP/s   % peak"]
        for r in records {
            lines.append(r.workload.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + r.phase.padding(toLength: 6, withPad: " ", startingAt: 0)
                         + String(format: "%8d %9.2f %10.1f %8.1f", r.threads, r.ms, r.gflops, r.percentOfPeak))
        }
        return lines.joined(separator: "\n")
    }
}
