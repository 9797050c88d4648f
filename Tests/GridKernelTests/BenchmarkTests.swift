import CGridKernels
import Foundation
import Testing

extension GridKernelTests {
    /// Timing harness, off by default: GK_BENCH=1 swift test -c release --filter GridKernelTests.benchmark
    /// Prints best-of-5 wall-clock GFLOP/s for two reference shapes on 1 and 2 threads.
    @Test("conv GFLOP/s benchmark", .enabled(if: ProcessInfo.processInfo.environment["GK_BENCH"] != nil))
    func benchmark() {
        let shapes = [
            ("N16 64->32 64x64 1x1", ConvCase(name: "", cin: 64, cout: 32, input: [64, 64], kernel: [1, 1]), 16),
            ("N4 64->64 128x128 3x3", ConvCase(name: "", cin: 64, cout: 64, input: [128, 128], kernel: [3, 3],
                                               padLo: [1, 1]), 4),
        ]
        for threads in [Int32(1), 2] {
            withThreads(threads) {
                for (name, c, batch) in shapes {
                    var g = c.geom(batch: batch)
                    var r = Rand(1)
                    let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout)), dy = r.array(g.yCount)
                    var y = [Float](repeating: 0, count: g.yCount), dx = [Float](repeating: 0, count: g.xCount)
                    var dw = [Float](repeating: 0, count: g.wCount), db = [Float](repeating: 0, count: Int(g.cout))
                    let flops = 2 * Double(g.yCount) * Double(Int(g.cin / g.groups) * g.kernelSize)
                    let passes: [(String, () -> Void)] = [
                        ("forward", { gk_conv_forward(&g, x, w, b, &y) }),
                        ("backward data", { gk_conv_backward_data(&g, dy, w, &dx) }),
                        ("backward filter", { gk_conv_backward_filter(&g, x, dy, &dw, &db) }),
                    ]
                    for (pass, run) in passes {
                        var best = Double.infinity
                        for _ in 0..<5 {
                            let t = ContinuousClock.now
                            run()
                            let d = ContinuousClock.now - t
                            best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
                        }
                        print(String(format: "%@ threads %d %@: %.2f ms, %.1f GFLOP/s", name, threads, pass,
                                     best * 1e3, flops / best * 1e-9))
                    }
                }
            }
        }
    }
}
