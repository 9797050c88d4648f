// Library calls leave process-wide state as they found it: the thread count (withThreads) and the calling thread's
// floating-point mode (the kernels run with flush-to-zero but restore the caller's MXCSR).
import Testing
import CGridKernels
@testable import GridTensor

@Suite(.serialized) struct RuntimeStateTests {
    @Test func withThreadsRestoresTheCount() throws {
        GridRuntime.threads = 1
        let inside = GridRuntime.withThreads(2) { GridRuntime.threads }
        #expect(inside == 2 && GridRuntime.threads == 1)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try GridRuntime.withThreads(2) { throw Stop() } }
        #expect(GridRuntime.threads == 1)
    }

    @Test func kernelsRestoreTheCallersFloatingPointMode() {
        let before = gk_fp_control()
        #expect(before & 0x8040 == 0, "the test thread starts without FTZ/DAZ")
        var rng = SeededGenerator(seed: 1)
        let x = Tensor.normal([2, 3, 16, 16], rng: &rng), w = Tensor.normal([4, 3, 3, 3], rng: &rng)
        let g = try! ConvGeometry(batch: 2, inChannels: 3, outChannels: 4, input: [16, 16], kernel: [3, 3], padding: .same)
        _ = Tensor.conv(x, w, bias: nil, geometry: g)
        _ = (x * 2).exp()
        #expect(gk_fp_control() == before, "a kernel left MXCSR changed: \(String(gk_fp_control(), radix: 16))")
    }
}
