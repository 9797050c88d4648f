// AxisTaps: nearest/linear/cubic resizing, padding taps, and the adjoint identity <A x, y> = <x, A^T y>.
import Testing
@testable import GridTensor

@Suite struct TapsTests {
    @Test func cubicCatmullRomReproducesALinearRampInTheInterior() {
        // Keys' kernel reproduces linear functions exactly only for a = -0.5 (Catmull-Rom).
        let n = 8
        let ramp = Tensor.arange([1, n], start: 1, step: 2)   // x[i] = 2 i + 1
        for m in [16, 24, 5] {
            let taps = AxisTaps.cubic(from: n, to: m, a: -0.5)
            let y = ramp.applyingTaps(taps, axis: 1).scalars
            let scale = Double(n) / Double(m)
            var interior = 0
            for o in 0..<m {
                let src = (Double(o) + 0.5) * scale - 0.5
                let f = Int(src.rounded(.down))
                guard f - 1 >= 0 && f + 2 <= n - 1 else { continue }
                interior += 1
                #expect(Swift.abs(Double(y[o]) - (2 * src + 1)) < 1e-5, "cubic \(n)->\(m) at \(o): \(y[o]) vs \(2 * src + 1)")
            }
            #expect(interior >= 3)
        }
    }

    @Test func cubicDefaultMatchesPyTorchBicubic() {
        // torch.nn.functional.interpolate(mode='bicubic', align_corners=False) on a 1 x 6 row [0, 1, 4, 9, 16, 25].
        let z = Tensor(shape: [1, 6], scalars: [0, 1, 4, 9, 16, 25])
        let up = z.applyingTaps(.cubic(from: 6, to: 12), axis: 1).scalars
        #expect(approxEqual(up, [-0.10546875, 0.12109375, 0.45703125, 1.609375, 2.828125, 5.203125, 7.234375, 10.796875,
                                 13.640625, 18.77734375, 23.20703125, 25.94921875], tol: 1e-5))
        let down = z.applyingTaps(.cubic(from: 6, to: 4), axis: 1).scalars
        #expect(approxEqual(down, [0.12109375, 2.828125, 10.796875, 23.20703125], tol: 1e-5))
        // On the ramp 2i+1 (8 -> 16), PyTorch's a = -0.75 is not exact: 3.59375 where the line gives 3.5.
        let ramp = Tensor.arange([1, 8], start: 1, step: 2).applyingTaps(.cubic(from: 8, to: 16), axis: 1).scalars
        #expect(approxEqual(Array(ramp[2...5]), [2.3359375, 3.59375, 4.40625, 5.59375]))
    }

    @Test func linearAndNearest() {
        let ramp = Tensor.arange([4], start: 1, step: 2)   // 1 3 5 7
        let up = ramp.applyingTaps(.linear(from: 4, to: 8), axis: 0).scalars
        // Half-pixel centres: interior samples lie on the line, the edges are clamped.
        #expect(approxEqual(up, [1, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7]))
        #expect(AxisTaps.nearest(from: 3, to: 6).index == [0, 0, 1, 1, 2, 2])
        #expect(AxisTaps.nearest(from: 4, to: 2).index == [0, 2])
        #expect(ramp.applyingTaps(.nearest(from: 4, to: 8), axis: 0).scalars == [1, 1, 3, 3, 5, 5, 7, 7])
        // Resizing a constant gives the constant (weights sum to one) for every kind.
        let c = Tensor(repeating: 3, shape: [2, 5])
        for taps in [AxisTaps.linear(from: 5, to: 13), .cubic(from: 5, to: 13), .nearest(from: 5, to: 13), .linear(from: 5, to: 2)] {
            #expect(approxEqual(c.applyingTaps(taps, axis: 1).scalars, [Float](repeating: 3, count: 2 * taps.outputSize)))
        }
    }

    @Test func padTapIndices() {
        #expect(AxisTaps.pad(size: 3, lo: 2, hi: 2, mode: .reflect).index == [2, 1, 0, 1, 2, 1, 0])
        #expect(AxisTaps.pad(size: 3, lo: 2, hi: 1, mode: .replicate).index == [0, 0, 0, 1, 2, 2])
        #expect(AxisTaps.pad(size: 2, lo: 1, hi: 2, mode: .zero).index == [-1, 0, 1, -1, -1])
    }

    @Test(arguments: ["pad-zero", "pad-reflect", "pad-replicate", "nearest", "linear-up", "linear-down", "cubic-up", "cubic-down"])
    func adjointIdentity(_ kind: String) {
        let taps: AxisTaps
        switch kind {
        case "pad-zero": taps = .pad(size: 5, lo: 2, hi: 1, mode: .zero)
        case "pad-reflect": taps = .pad(size: 5, lo: 3, hi: 4, mode: .reflect)
        case "pad-replicate": taps = .pad(size: 5, lo: 1, hi: 3, mode: .replicate)
        case "nearest": taps = .nearest(from: 5, to: 11)
        case "linear-up": taps = .linear(from: 5, to: 15)
        case "linear-down": taps = .linear(from: 9, to: 4)
        case "cubic-up": taps = .cubic(from: 5, to: 10)
        default: taps = .cubic(from: 9, to: 4)
        }
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.normal([2, taps.inputSize, 3], rng: &rng)
        let y = Tensor.normal([2, taps.outputSize, 3], rng: &rng)
        let ax = x.applyingTaps(taps, axis: 1), aty = y.applyingTapsAdjoint(taps, axis: 1)
        #expect(ax.shape == y.shape && aty.shape == x.shape)
        let lhs = (ax * y).total, rhs = (x * aty).total
        #expect(Swift.abs(lhs - rhs) < 1e-4 * Swift.max(1, Swift.abs(lhs)), "\(kind): \(lhs) vs \(rhs)")
    }
}
