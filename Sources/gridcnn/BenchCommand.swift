// gridcnn bench: the peer workloads (shared/bench/torch_ref.py), 1 and 2 threads.
import ArgumentParser
import Foundation
import GridTasks
import GridTensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time training steps and inference on the PyTorch peer's workloads.",
        discussion: """
        Workloads as in torch_ref.py: srcnn (batch 16, 2x64x64), unet (batch 4, 2x128x128, base 32, depth 4),
        wavenet (one-hot 256x16000, 10 layers), tdnn (batch 64, 16x15). Minimum over --repeats runs.
        Example:
          gridcnn bench --workload srcnn --threads 1 --json
          gridcnn bench --kernels --workload unet   # each conv layer's three passes in GFLOP/s, with the kernel path
          gridcnn bench --memory --workload unet    # peak resident memory of a training step (one workload)
          scripts/bench-memory.sh                   # the same for gridcnn and PyTorch, side by side
          scripts/bench-vs-torch.sh     # side by side with PyTorch on this machine
        """)

    @Option(help: "srcnn, unet, wavenet, tdnn or all.") var workload = "all"
    @Option(help: "Thread counts, comma-separated.") var threads = "1,2"
    @Option(help: "Timed runs per measurement (the minimum is reported).") var repeats = 3
    @Option(help: "Steps per timed run (default per workload).") var steps: Int?
    @Option(help: "train, infer or both (infer: the model compiled into an inference plan, as the apply jobs run it).") var phase = "both"
    @Flag(help: "JSON list of records on stdout.") var json = false
    @Flag(help: "Peak resident memory of a training step (one workload per run).") var memory = false
    @Flag(help: "Per-layer convolution microbenchmarks (forward, backward data, backward filter) instead of steps.") var kernels = false

    func run() throws {
        try runJob {
            let ws: [BenchWorkload] = workload == "all" ? BenchWorkload.allCases : try workload.split(separator: ",").map {
                guard let w = BenchWorkload(rawValue: String($0)) else { throw ValidationError("unknown workload '\($0)' (srcnn, unet, wavenet, tdnn, all)") }
                return w
            }
            let ts = try threads.split(separator: ",").map { s -> Int in
                guard let t = Int(s), t >= 1 else { throw ValidationError("--threads: '\(s)' is not a thread count") }
                return t
            }
            let phases: Set<String> = phase == "both" ? ["train", "infer"] : [phase]
            guard phases.isSubset(of: ["train", "infer"]) else { throw ValidationError("--phase: '\(phase)' is not train, infer or both") }
            if memory {
                guard ws.count == 1 else { throw ValidationError("--memory measures one workload per process: pass --workload srcnn|unet|wavenet|tdnn") }
                let r = try MemoryBench.run(ws[0])
                if json { try printJSON([r]) } else {
                    print(String(format: "%@: baseline %.1f MB, peak during a training step %.1f MB", r.workload, r.baselineMB, r.peakMB))
                }
                return
            }
            if kernels {
                var records = [KernelBenchRecord]()
                for t in ts { records += KernelBench.run(workloads: ws.map(\.rawValue), threads: t, repeats: repeats) }
                if json { try printJSON(records) } else { print(KernelBench.table(records)) }
                return
            }
            var records = [BenchRecord]()
            for w in ws {
                for t in ts {
                    let r = Bench.run(w, threads: t, repeats: repeats, steps: steps, phases: phases)
                    records += r
                    if !json { FileHandle.standardError.write("\(w.rawValue) threads \(t): \(r.map { "\($0.phase) \(String(format: "%.2f", $0.ms)) ms" }.joined(separator: ", "))\n".data(using: .utf8)!) }
                }
            }
            if json { try printJSON(records) } else {
                print("CPU kernel level: \(GridRuntime.cpuLevel == 3 ? "AVX-512" : GridRuntime.cpuLevel == 2 ? "AVX2+FMA" : "baseline"), "
                      + String(format: "FMA peak %.0f GFLOP/s per core (measured)", Bench.peakGFLOPsPerCore))
                print(Bench.table(records))
            }
        }
    }
}
