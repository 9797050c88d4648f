import CGridKernels
import Foundation
import Testing

extension GridKernelTests {
    @Test("elementwise loops, small odd and large (threaded) sizes", arguments: [1, 37, 1000, 300_001])
    func elementwise(_ n: Int) {
        var r = Rand(UInt64(n))
        let a = r.array(n), b = r.array(n)
        for threads in [Int32(1), 2] {
            withThreads(threads) {
                var out = [Float](repeating: .nan, count: n)
                gk_add(Int64(n), a, b, &out)
                expectSame(out, zip(a, b).map { $0 + $1 }, "elementwise")
                gk_mul(Int64(n), a, b, &out)
                expectSame(out, zip(a, b).map { $0 * $1 }, "elementwise")
                gk_relu_forward(Int64(n), a, &out)
                expectSame(out, a.map { max($0, 0) }, "elementwise")
                gk_relu_backward(Int64(n), a, b, &out)
                expectSame(out, zip(a, b).map { $0 > 0 ? $1 : 0 }, "elementwise")
                var y = b
                gk_axpy(Int64(n), 0.5, a, &y)
                expectClose(y, zip(a, b).map { 0.5 * $0 + $1 }, rel: 1e-6, "axpy")
            }
        }
    }

    @Test("relu passes NaN through")
    func reluNaN() {
        var y: [Float] = [0, 0, 0]
        gk_relu_forward(3, [.nan, -1, 2], &y)
        #expect(y[0].isNaN && y[1] == 0 && y[2] == 2)
    }

    @Test("adam / adamw step against a scalar re-implementation", arguments: [(Float(0), Int32(0)), (0.1, 0), (0.1, 1)])
    func adam(_ wd: Float, _ decoupled: Int32) {
        let n = 200_003, lr: Float = 1e-2, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        var r = Rand(42)
        var p = r.array(n), m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
        var rp = p, rm = m, rv = v
        for step in 1...3 {
            let g = r.array(n)
            withThreads(step == 2 ? 2 : 1) {
                gk_adam_step(Int64(n), &p, g, &m, &v, lr, b1, b2, eps, wd, decoupled, Int64(step))
            }
            let bc1 = 1 - pow(Double(b1), Double(step)), bc2 = 1 - pow(Double(b2), Double(step))
            for i in 0..<n {
                var gi = g[i]
                if decoupled == 0 { gi += wd * rp[i] } else { rp[i] *= 1 - lr * wd }
                rm[i] = b1 * rm[i] + (1 - b1) * gi
                rv[i] = b2 * rv[i] + (1 - b2) * gi * gi
                let denom = rv[i].squareRoot() / Float(bc2.squareRoot()) + eps
                rp[i] -= Float(Double(lr) / bc1) * rm[i] / denom
            }
        }
        expectClose(m, rm, rel: 1e-5, "adam m")
        expectClose(v, rv, rel: 1e-5, "adam v")
        expectClose(p, rp, rel: 1e-5, "adam param")
    }

    @Test("channel moments: mean and biased variance")
    func moments() {
        let (n, c, s) = (3, 4, 5000)
        var r = Rand(7)
        let x = r.array(n * c * s).enumerated().map { $0.element * Float($0.offset / s % c + 1) + 100 }
        for threads in [Int32(1), 2] {
            withThreads(threads) {
                var mean = [Float](repeating: .nan, count: c), v = [Float](repeating: .nan, count: c)
                gk_channel_moments(Int64(n), Int64(c), Int64(s), x, &mean, &v)
                for ch in 0..<c {
                    var sum = 0.0, sq = 0.0
                    for i in 0..<n { for j in 0..<s { sum += Double(x[(i * c + ch) * s + j]) } }
                    let mu = sum / Double(n * s)
                    for i in 0..<n { for j in 0..<s { sq += pow(Double(x[(i * c + ch) * s + j]) - mu, 2) } }
                    #expect(abs(Double(mean[ch]) - mu) < 1e-5 * abs(mu))
                    #expect(abs(Double(v[ch]) - sq / Double(n * s)) < 1e-4 * sq / Double(n * s))
                }
            }
        }
    }

    @Test("flush to zero: denormal inputs and results become 0")
    func flushToZero() {
        gk_enable_flush_to_zero()
        let tiny = [Float(bitPattern: 1), Float.leastNormalMagnitude]
        var out: [Float] = [1, 1]
        gk_mul(2, tiny, [1, 0.5], &out)   // DAZ: denormal in -> 0; FTZ: normal*0.5 -> denormal -> 0
        expectSame(out, [0, 0], "elementwise")
    }
}
