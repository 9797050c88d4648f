import CGridKernels
import Testing

/// All kernel tests share one serialized suite: gk_set_num_threads is process-wide state.
@Suite(.serialized) struct GridKernelTests {}

/// Deterministic test data (xorshift), uniform in [-1, 1).
struct Rand {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

/// One convolution case; spatial lists have 1-3 entries and are padded with leading 1s for the C geometry.
struct ConvCase: CustomTestStringConvertible, Sendable {
    var name: String
    var cin: Int, cout: Int, groups: Int = 1
    var input: [Int], kernel: [Int]
    var stride: [Int]? = nil, dilation: [Int]? = nil
    var padLo: [Int]? = nil, padHi: [Int]? = nil
    var testDescription: String { name }

    func geom(batch: Int) -> gk_conv_geom {
        let r = input.count
        func three(_ a: [Int], _ fill: Int) -> (Int64, Int64, Int64) {
            let p = [Int](repeating: fill, count: 3 - a.count) + a
            return (Int64(p[0]), Int64(p[1]), Int64(p[2]))
        }
        let s = stride ?? [Int](repeating: 1, count: r), d = dilation ?? [Int](repeating: 1, count: r)
        let lo = padLo ?? [Int](repeating: 0, count: r), hi = padHi ?? lo
        var out: [Int] = []
        for i in 0..<r {
            let span: Int = input[i] + lo[i] + hi[i] - d[i] * (kernel[i] - 1) - 1
            out.append(span / s[i] + 1)
        }
        var g = gk_conv_geom()
        g.batch = Int64(batch); g.cin = Int64(cin); g.cout = Int64(cout); g.groups = Int64(groups)
        g.in = three(input, 1); g.out = three(out, 1); g.kernel = three(kernel, 1)
        g.stride = three(s, 1); g.dilation = three(d, 1); g.pad_lo = three(lo, 0)
        return g
    }
}

extension gk_conv_geom {
    var inSize: Int { Int(self.in.0 * self.in.1 * self.in.2) }
    var outSize: Int { Int(out.0 * out.1 * out.2) }
    var kernelSize: Int { Int(kernel.0 * kernel.1 * kernel.2) }
    var xCount: Int { Int(batch * cin) * inSize }
    var yCount: Int { Int(batch * cout) * outSize }
    var wCount: Int { Int(cout * (cin / groups)) * kernelSize }
}

/// Largest |a - b| over the buffers, and the largest |b| (for a relative bound).
func maxDiff(_ a: [Float], _ b: [Float]) -> (err: Float, scale: Float) {
    precondition(a.count == b.count)
    var e: Float = 0, s: Float = 0
    for i in a.indices { e = max(e, abs(a[i] - b[i])); s = max(s, abs(b[i])) }
    if a.contains(where: { $0.isNaN }) { e = .infinity }
    return (e, s)
}

func expectClose(_ a: [Float], _ b: [Float], rel: Float = 2e-5, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let (e, s) = maxDiff(a, b)
    #expect(e <= rel * max(1, s), "\(what): max error \(e) (scale \(s))", sourceLocation: sourceLocation)
}

/// Runs body with the kernels set to `n` threads, restoring 1 afterwards.
func withThreads<T>(_ n: Int32, _ body: () throws -> T) rethrows -> T {
    gk_set_num_threads(n)
    defer { gk_set_num_threads(1) }
    return try body()
}

/// Bitwise equality (NaN == NaN) without handing whole arrays to #expect, whose failure diff of large
/// collections is very slow.
func expectSame<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
where T.RawSignificand: FixedWidthInteger {
    let first = a.count != b.count ? 0 : a.indices.first { a[$0] != b[$0] && !(a[$0].isNaN && b[$0].isNaN) }
    #expect(first == nil, "\(what): first mismatch at \(first ?? -1) of \(a.count)", sourceLocation: sourceLocation)
}

func expectSame(_ a: [Int64], _ b: [Int64], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let first = a.count != b.count ? 0 : a.indices.first { a[$0] != b[$0] }
    #expect(first == nil, "\(what): first mismatch at \(first ?? -1) of \(a.count)", sourceLocation: sourceLocation)
}

/// Runs the fast kernels on 1 and 2 threads against the naive reference on random data: results within `rel` of the
/// reference's scale (dbias within the default), and bitwise equal across thread counts.
func checkAgainstReference(_ g: gk_conv_geom, seed: UInt64, rel: Float = 2e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    var r = Rand(seed)
    let x = r.array(g.xCount), w = r.array(g.wCount), b = r.array(Int(g.cout)), dy = r.array(g.yCount)
    let ref = runRef(g, x: x, w: w, b: b, dy: dy)
    let one = withThreads(1) { runFast(g, x: x, w: w, b: b, dy: dy) }
    let two = withThreads(2) { runFast(g, x: x, w: w, b: b, dy: dy) }
    expectClose(one.y, ref.y, rel: rel, "forward", sourceLocation: sourceLocation)
    expectClose(one.dx, ref.dx, rel: rel, "backward data", sourceLocation: sourceLocation)
    expectClose(one.dw, ref.dw, rel: rel, "backward filter", sourceLocation: sourceLocation)
    expectClose(one.db, ref.db, "dbias", sourceLocation: sourceLocation)
    expectSame(one.y, two.y, "forward, 1 vs 2 threads", sourceLocation: sourceLocation)
    expectSame(one.dx, two.dx, "backward data, 1 vs 2 threads", sourceLocation: sourceLocation)
    expectSame(one.dw, two.dw, "backward filter, 1 vs 2 threads", sourceLocation: sourceLocation)
    expectSame(one.db, two.db, "dbias, 1 vs 2 threads", sourceLocation: sourceLocation)
}
