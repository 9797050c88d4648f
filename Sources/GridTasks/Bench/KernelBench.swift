// `gridcnn bench --kernels`: every distinct convolution of the four peer workloads, each pass (forward, backward
// data, backward filter) timed alone, in GFLOP/s of direct-convolution FLOPs (2 * N * Cout * Cin/g * k * out), with
// the kernel path that ran it. Minimum over repeats.
import Foundation
import GridTensor

/// One convolution layer of a peer workload timed by `KernelBench.run` (a row of `gridcnn bench --kernels`): its three
/// passes, each with the kernel path that ran it.
public struct KernelBenchRecord: Codable, Sendable {
    /// The workload the layer belongs to (srcnn, unet, wavenet, tdnn).
    public var workload: String
    /// The layer's geometry in words, e.g. "2->64 9x9 @64x64 N16" (channels, kernel, input size, batch).
    public var layer: String
    /// Compute threads the timing ran with.
    public var threads: Int
    /// Per pass: forward, backward data, backward filter.
    public var paths: [String]
    /// Milliseconds per pass (forward, backward data, backward filter): minimum over the repeats.
    public var ms: [Double]
    /// GFLOP/s per pass, counting direct-convolution FLOPs (2 * N * Cout * Cin/groups * kernel size * output size).
    public var gflops: [Double]
    /// `gflops` as a percentage of the measured FP32 FMA peak per core (`Bench.peakGFLOPsPerCore`) times `threads`.
    public var percentOfPeak: [Double]
}

/// `gridcnn bench --kernels`: every distinct convolution of the four peer workloads, each pass timed alone.
public enum KernelBench {
    struct Layer {
        let workload: String, name: String
        let geometry: ConvGeometry
    }

    static func conv2d(_ w: String, _ n: Int, _ cin: Int, _ cout: Int, _ size: Int, _ k: Int) -> Layer {
        let g = try! ConvGeometry(batch: n, inChannels: cin, outChannels: cout, input: [size, size], kernel: [k, k], padding: .same)
        return Layer(workload: w, name: "\(cin)->\(cout) \(k)x\(k) @\(size)x\(size) N\(n)", geometry: g)
    }

    static func conv1d(_ w: String, _ n: Int, _ cin: Int, _ cout: Int, _ len: Int, _ k: Int, dilation: Int = 1, causal: Bool = false) -> Layer {
        let g = try! ConvGeometry(batch: n, inChannels: cin, outChannels: cout, input: [len], kernel: [k], dilation: [dilation],
                                  padding: causal ? .causal : .valid)
        return Layer(workload: w, name: "\(cin)->\(cout) k\(k)\(dilation > 1 ? " dil\(dilation)" : "")\(causal ? " causal" : "") @\(len) N\(n)", geometry: g)
    }

    /// The convolutions of torch_ref.py's workloads (UNet's transposed 2x2 convs run as backward-data of a stride-2
    /// conv and are listed by that geometry).
    static var layers: [Layer] {
        var l = [conv2d("srcnn", 16, 2, 64, 64, 9), conv2d("srcnn", 16, 64, 32, 64, 1), conv2d("srcnn", 16, 32, 1, 64, 5)]
        let unet: [(Int, Int, Int)] = [(2, 32, 128), (32, 32, 128), (64, 32, 128), (32, 64, 64), (64, 64, 64), (128, 64, 64),
                                       (64, 128, 32), (128, 128, 32), (256, 128, 32), (128, 256, 16), (256, 256, 16),
                                       (512, 256, 16), (256, 512, 8), (512, 512, 8)]
        l += unet.map { conv2d("unet", 4, $0.0, $0.1, $0.2, 3) }
        for (cout, cin, size) in [(512, 256, 16), (256, 128, 32), (128, 64, 64), (64, 32, 128)] {   // transposed 2x2 s2 as conv
            let g = try! ConvGeometry(batch: 4, inChannels: cin, outChannels: cout, input: [size, size], kernel: [2, 2], stride: [2, 2])
            l.append(Layer(workload: "unet", name: "up \(cout)->\(cin) 2x2 s2 @\(size / 2)x\(size / 2) N4", geometry: g))
        }
        l.append(conv2d("unet", 4, 32, 1, 128, 1))
        l += [conv1d("wavenet", 1, 256, 32, 16000, 1), conv1d("wavenet", 1, 32, 64, 16000, 2, dilation: 1, causal: true),
              conv1d("wavenet", 1, 32, 64, 16000, 2, dilation: 512, causal: true), conv1d("wavenet", 1, 32, 32, 16000, 1),
              conv1d("wavenet", 1, 32, 64, 16000, 1), conv1d("wavenet", 1, 64, 64, 16000, 1), conv1d("wavenet", 1, 64, 256, 16000, 1)]
        l += [conv1d("tdnn", 64, 16, 8, 15, 3), conv1d("tdnn", 64, 8, 3, 13, 5)]
        return l
    }

    /// Times forward, backward-data and backward-filter of each convolution of `workloads` (names as in
    /// `BenchWorkload`) on random data with seed 1, the minimum over `repeats`, on `threads` threads; small layers run
    /// several times per timing so a measurement is not one timer tick. Prints nothing.
    public static func run(workloads: [String], threads: Int, repeats: Int) -> [KernelBenchRecord] {
        GridRuntime.withThreads(threads) { measure(workloads: workloads, threads: threads, repeats: repeats) }
    }

    static func measure(workloads: [String], threads: Int, repeats: Int) -> [KernelBenchRecord] {
        var rng = SeededGenerator(seed: 1)
        return layers.filter { workloads.contains($0.workload) }.map { layer in
            let g = layer.geometry
            let x = Tensor.normal(g.inputShape, rng: &rng), w = Tensor.normal(g.weightShape, rng: &rng) * 0.1
            let b = Tensor.normal([g.outChannels], rng: &rng), dy = Tensor.normal(g.outputShape, rng: &rng)
            // Small layers run several times per timing so a measurement is not one timer tick.
            let inner = max(1, Int(2e8 / max(g.flops, 1)))
            func time(_ body: () -> Void) -> Double {
                body()
                return Bench.minimumTime(repeats: repeats) { for _ in 0..<inner { body() } } / Double(inner)
            }
            let t = [time { _ = Tensor.conv(x, w, bias: b, geometry: g) },
                     time { _ = Tensor.convBackwardData(dy, w, geometry: g) },
                     time { _ = Tensor.convBackwardFilter(x, dy, geometry: g, withBias: true) }]
            let rates = t.map { g.flops / $0 / 1e9 }
            return KernelBenchRecord(workload: layer.workload, layer: layer.name, threads: threads, paths: g.kernelPaths,
                                     ms: t.map { $0 * 1000 }, gflops: rates,
                                     percentOfPeak: rates.map { 100 * $0 / (Bench.peakGFLOPsPerCore * Double(threads)) })
        }
    }

    /// The records as the fixed-width text table `gridcnn bench --kernels` prints.
    public static func table(_ records: [KernelBenchRecord]) -> String {
        var lines = ["workload layer                              threads  path (fwd/bwd-data/bwd-filter)     GFLOP/s fwd  bwd-data  bwd-filter"]
        for r in records {
            lines.append(r.workload.padding(toLength: 9, withPad: " ", startingAt: 0)
                         + r.layer.padding(toLength: 36, withPad: " ", startingAt: 0)
                         + String(format: "%7d  ", r.threads) + r.paths.joined(separator: "/").padding(toLength: 33, withPad: " ", startingAt: 0)
                         + String(format: "%12.1f %9.1f %11.1f", r.gflops[0], r.gflops[1], r.gflops[2]))
        }
        return lines.joined(separator: "\n")
    }
}
