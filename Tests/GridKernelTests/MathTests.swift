import CGridKernels
import Foundation
import Testing

/// Inputs for the transcendental kernels: magnitudes from 1e-40 to 3e38 of both signs, dense uniform ranges where the
/// approximations switch (|x| near 0.625, ln2/2, 20, the exp overflow and underflow thresholds) and the special values.
private func mathSweep() -> [Float] {
    var v: [Float] = [0, -0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                      .leastNormalMagnitude, -.leastNormalMagnitude, .leastNonzeroMagnitude, 88.72, 88.7228, 88.72284, 89,
                      -87.3, -87.34, -103.9, -104, -104.1, 20, 20.0001, 19.9999, 0.625, -0.625, 0.6249999, 9.01, -9.01,
                      0.34657, -0.34657, 1, -1, 2, 0.5, 1e-8, -1e-8, 3e-8, -3e-8]
    for e in -40...38 {
        for m: Float in [1, 1.5, 2.3, 3.7, 5.1, 7.9] {
            let x = Float("\(m)e\(e)")!
            v.append(x); v.append(-x)
        }
    }
    var r = Rand(7)
    for (lo, hi, count) in [(Float(-120), Float(120), 60_000), (-2, 2, 60_000), (-0.7, 0.7, 20_000), (-110, -80, 10_000),
                            (80, 95, 10_000), (15, 25, 5000)] {
        for _ in 0..<count { v.append(lo + (hi - lo) * (r.next() + 1) / 2) }
    }
    return v
}

/// Max relative error of the kernel's output against a double-precision reference. Results the float format
/// cannot hold normalised (|ref| below FLT_MIN) must be within FLT_MIN absolutely (the kernels flush denormals),
/// overflowing ones must be the same infinity, NaN references need NaN.
private func relError(_ out: [Float], _ ref: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
    var worst = 0.0
    var firstBad: Int?
    for i in out.indices {
        let r = ref[i], y = out[i]
        if r.isNaN { if !y.isNaN, firstBad == nil { firstBad = i }; continue }
        let rf = Float(r)
        if rf.isInfinite { if y != rf, firstBad == nil { firstBad = i }; continue }
        if abs(r) < Double(Float.leastNormalMagnitude) {
            if !(abs(Double(y) - r) <= Double(Float.leastNormalMagnitude)), firstBad == nil { firstBad = i }
            continue
        }
        let e = abs(Double(y) - r) / abs(r)
        if !(e <= 1e-3), firstBad == nil { firstBad = i }   // NaN or gross error: report the input
        if e.isNaN { worst = .infinity } else { worst = max(worst, e) }
    }
    #expect(firstBad == nil, "\(what): bad value at index \(firstBad ?? -1): \(firstBad.map { "out \(out[$0]), ref \(ref[$0])" } ?? "")",
            sourceLocation: sourceLocation)
    return worst
}

private typealias Unary = (Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void

private func run(_ k: Unary, _ x: [Float]) -> [Float] {
    var y = [Float](repeating: .nan, count: x.count)
    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in k(Int64(x.count), px.baseAddress, py.baseAddress) } }
    return y
}

private func sigmoidD(_ x: Double) -> Double { x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) }
private func softplusD(_ x: Double) -> Double { x > 20 ? x : max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
private let geluC = (2 / Double.pi).squareRoot()

extension GridKernelTests {
    @Test("exp, log, expm1, log1p, tanh, sigmoid, softplus within a few ulp of double libm over the float range")
    func transcendentalAccuracy() {
        let x = mathSweep()
        let cases: [(String, Unary, (Double) -> Double, Double)] = [
            ("exp", { gk_exp($0, $1, $2) }, { Foundation.exp($0) }, 2e-7),
            ("log", { gk_log($0, $1, $2) }, { Foundation.log($0) }, 2e-7),
            ("expm1", { gk_expm1($0, $1, $2) }, { Foundation.expm1($0) }, 2e-7),
            ("log1p", { gk_log1p($0, $1, $2) }, { Foundation.log1p($0) }, 2e-7),
            ("tanh", { gk_tanh($0, $1, $2) }, { Foundation.tanh($0) }, 2.2e-7),
            ("sigmoid", { gk_sigmoid($0, $1, $2) }, sigmoidD, 2.2e-7),
            ("softplus", { gk_softplus($0, $1, $2) }, softplusD, 2.2e-7),
        ]
        for (name, k, ref, tol) in cases {
            let y = run(k, x)
            // The kernels run with denormals treated as zero (DAZ) on the calling thread: a subnormal input may give
            // f(0) (log: -inf) instead of f(x), depending on which thread computed it.
            let zero = Float(ref(0))
            let reference = zip(x, y).map { xi, yi in xi.isSubnormal && (yi == zero || (yi.isNaN && zero.isNaN)) ? Double(zero) : ref(Double(xi)) }
            let e = relError(y, reference, name)
            #expect(e <= tol, "\(name): max relative error \(e) > \(tol)")
            print("gk_math \(name): max relative error \(e)")
        }
    }

    @Test("special values: NaN propagates, saturation is exact")
    func transcendentalSpecials() {
        let x: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e30, -1e30, 50, -50, 120, -120]
        let t = run({ gk_tanh($0, $1, $2) }, x), s = run({ gk_sigmoid($0, $1, $2) }, x)
        let e = run({ gk_exp($0, $1, $2) }, x), l = run({ gk_log($0, $1, $2) }, x), sp = run({ gk_softplus($0, $1, $2) }, x)
        for y in [t, s, e, l, sp, run({ gk_expm1($0, $1, $2) }, x), run({ gk_log1p($0, $1, $2) }, x)] { #expect(y[0].isNaN) }
        #expect(Array(t[1...]) == [1, -1, 0, 0, 1, -1, 1, -1, 1, -1])
        #expect(t[4].sign == .minus)
        #expect(Array(s[1...7]) == [1, 0, 0.5, 0.5, 1, 0, 1] && s[9] == 1 && s[10] == 0)
        #expect(e[1] == .infinity && e[2] == 0 && e[3] == 1 && e[5] == .infinity && e[6] == 0)
        #expect(l[1] == .infinity && l[2].isNaN && l[3] == -.infinity && l[4] == -.infinity && l[6].isNaN)
        #expect(sp[1] == .infinity && sp[2] == 0 && sp[5] == 1e30 && sp[6] == 0 && sp[7] == 50)
    }

    @Test("gate, backward and activation kernels against double formulas")
    func fusedActivations() {
        // The exact references below are computed in Swift under the kernels' own denormal policy (FTZ/DAZ); the
        // thread's mode is given back at the end, as the kernels give it back.
        let saved = gk_fp_control()
        gk_enable_flush_to_zero()
        defer { gk_set_fp_control(saved) }
        let x = mathSweep().filter { $0.isFinite }
        let n = x.count
        var r = Rand(11)
        let g = r.array(n), b = x.reversed() as [Float]
        var y = [Float](repeating: .nan, count: n), ta = y, sb = y
        gk_gate_forward(Int64(n), x, b, &y, &ta, &sb)
        var e = relError(ta, x.map { Foundation.tanh(Double($0)) }, "gate tanh")
        #expect(e <= 2.2e-7)
        e = relError(sb, b.map { sigmoidD(Double($0)) }, "gate sigmoid")
        #expect(e <= 2.2e-7)
        e = relError(y, (0..<n).map { Foundation.tanh(Double(x[$0])) * sigmoidD(Double(b[$0])) }, "gate product")
        #expect(e <= 5e-7, "gate product \(e)")
        var yOnly = [Float](repeating: .nan, count: n)   // inference form: nothing saved, one division
        gk_gate_forward(Int64(n), x, b, &yOnly, nil, nil)
        e = relError(yOnly, (0..<n).map { Foundation.tanh(Double(x[$0])) * sigmoidD(Double(b[$0])) }, "gate product, inference")
        #expect(e <= 5e-7, "gate product without saved activations \(e)")

        // Backward kernels from saved float outputs: compare with the same formula in double; the float rounding of
        // 1 - y^2 near |y| = 1 is bounded absolutely, relative to |g|.
        func within(_ out: [Float], _ ref: [Double], _ rel: Double, _ abs: Double, _ what: String) {
            let bad = out.indices.first { i in
                !(Swift.abs(Double(out[i]) - ref[i]) <= rel * Swift.abs(ref[i]) + abs * Double(Swift.abs(g[i])) + Double(Float.leastNormalMagnitude))
            }
            #expect(bad == nil, "\(what): first mismatch at \(bad ?? -1): \(bad.map { "\(out[$0]) vs \(ref[$0]), x \(x[$0])" } ?? "")")
        }
        var da = [Float](repeating: .nan, count: n), db = da
        gk_gate_backward(Int64(n), ta, sb, g, &da, &db)
        within(da, (0..<n).map { i in let t = Double(ta[i]), s = Double(sb[i]); return (1 - t * t) * s * Double(g[i]) }, 5e-7, 2e-7, "gate da")
        within(db, (0..<n).map { i in let t = Double(ta[i]), s = Double(sb[i]); return t * s * (1 - s) * Double(g[i]) }, 5e-7, 2e-7, "gate db")
        var dx = [Float](repeating: .nan, count: n)
        gk_sigmoid_backward(Int64(n), sb, g, &dx)
        within(dx, (0..<n).map { i in let s = Double(sb[i]); return s * (1 - s) * Double(g[i]) }, 5e-7, 2e-7, "sigmoid backward")
        gk_tanh_backward(Int64(n), ta, g, &dx)
        within(dx, (0..<n).map { i in let t = Double(ta[i]); return (1 - t * t) * Double(g[i]) }, 5e-7, 2e-7, "tanh backward")
        gk_softplus_backward(Int64(n), x, g, &dx)
        within(dx, (0..<n).map { sigmoidD(Double(x[$0])) * Double(g[$0]) }, 4e-7, 0, "softplus backward")
        gk_log_backward(Int64(n), x, g, &dx)
        expectSame(dx, (0..<n).map { g[$0] / x[$0] }, "log backward")

        gk_leaky_relu_forward(Int64(n), x, 0.01, &dx)
        expectSame(dx, x.map { $0 > 0 ? $0 : 0.01 * $0 }, "leaky relu")
        gk_leaky_relu_backward(Int64(n), x, g, 0.01, &dx)
        expectSame(dx, (0..<n).map { (x[$0] > 0 ? 1 : 0.01) * g[$0] }, "leaky relu backward")
        var ey = [Float](repeating: .nan, count: n)
        gk_elu_forward(Int64(n), x, 1.5, &ey)
        e = relError(ey, x.map { $0 > 0 ? Double($0) : 1.5 * Foundation.expm1(Double($0)) }, "elu")
        #expect(e <= 3e-7, "elu \(e)")
        gk_elu_backward(Int64(n), x, ey, g, 1.5, &dx)
        expectSame(dx, (0..<n).map { (x[$0] > 0 ? 1 : ey[$0] + 1.5) * g[$0] }, "elu backward")

        // GELU (tanh form) on [-12, 12]: the float rounding of u = c(x + 0.044715x^3) alone moves the result by
        // up to |2u| ulp for negative x, so the bound scales with it.
        let gx = x.filter { Swift.abs($0) <= 12 }
        var gy = [Float](repeating: .nan, count: gx.count), gd = gy
        let gg = [Float](repeating: 1, count: gx.count)
        gk_gelu_tanh_forward(Int64(gx.count), gx, &gy)
        gk_gelu_tanh_backward(Int64(gx.count), gx, gg, &gd)
        for i in gx.indices {
            let v = Double(gx[i]), u = geluC * (v + 0.044715 * v * v * v), s = 1 / (1 + Foundation.exp(-2 * u))
            let second = 2 * v * s * (1 - s) * geluC * (1 + 3 * 0.044715 * v * v), ref = v * s, dref = s + second
            let tol = 3e-7 * (1 + 2 * Swift.abs(u))
            #expect(Swift.abs(Double(gy[i]) - ref) <= tol * Swift.abs(ref) + 1e-30, "gelu x=\(v): \(gy[i]) vs \(ref)")
            // the two terms of the derivative cancel near x = -0.75: bound by their size
            #expect(Swift.abs(Double(gd[i]) - dref) <= tol * (Swift.abs(s) + Swift.abs(second)) + 1e-30, "gelu' x=\(v): \(gd[i]) vs \(dref)")
        }
    }

    @Test("transcendental kernels give the same bits for 1, 2 and 3 threads", arguments: [1, 37, 40_000, 300_001])
    func transcendentalThreads(_ n: Int) {
        var r = Rand(UInt64(n) + 5)
        let a = r.array(n).map { $0 * 30 }, b = r.array(n).map { $0 * 30 }, g = r.array(n)
        func all() -> [[Float]] {
            var outs: [[Float]] = []
            for k: Unary in [{ gk_exp($0, $1, $2) }, { gk_log($0, $1, $2) }, { gk_tanh($0, $1, $2) }, { gk_sigmoid($0, $1, $2) },
                             { gk_softplus($0, $1, $2) }, { gk_expm1($0, $1, $2) }, { gk_log1p($0, $1, $2) },
                             { gk_gelu_tanh_forward($0, $1, $2) }] {
                outs.append(run(k, a))
            }
            var y = [Float](repeating: .nan, count: n), ta = y, sb = y, da = y, db = y
            gk_gate_forward(Int64(n), a, b, &y, &ta, &sb)
            gk_gate_backward(Int64(n), ta, sb, g, &da, &db)
            outs += [y, ta, sb, da, db]
            var dx = [Float](repeating: .nan, count: n)
            gk_elu_forward(Int64(n), a, 1, &y); outs.append(y)
            gk_elu_backward(Int64(n), a, y, g, 1, &dx); outs.append(dx)
            gk_softplus_backward(Int64(n), a, g, &dx); outs.append(dx)
            gk_gelu_tanh_backward(Int64(n), a, g, &dx); outs.append(dx)
            return outs
        }
        let one = withThreads(1) { all() }
        for t: Int32 in [2, 3] {
            let other = withThreads(t) { all() }
            for (i, (p, q)) in zip(one, other).enumerated() { expectSame(p, q, "kernel \(i), \(t) threads") }
        }
    }
}
