// Mu-law quantisation (G.711 companding with mu = 255, 256 levels, as in WaveNet) and the baselines the sequence
// task is scored against: the mu-law histogram (unigram entropy) and linear prediction (LPC by autocorrelation and
// Levinson-Durbin) whose Gaussian residual is integrated over each mu-law cell to give bits per sample.
import Foundation

enum MuLaw {
    /// Code 0 ... mu of x in [-1, 1]: round((f(x) + 1) / 2 * mu), f(x) = sign(x) ln(1 + mu|x|) / ln(1 + mu).
    static func encode(_ x: Float, mu: Int = 255) -> Int {
        let m = Double(mu), v = Double(min(max(x, -1), 1))
        let f = (v < 0 ? -1.0 : 1.0) * log1p(m * abs(v)) / log1p(m)
        return min(mu, max(0, Int(((f + 1) / 2 * m).rounded())))
    }

    /// The amplitude at the centre of code c (inverse companding).
    static func decode(_ c: Int, mu: Int = 255) -> Float {
        let m = Double(mu), f = 2 * Double(c) / m - 1
        return Float((f < 0 ? -1.0 : 1.0) * (pow(1 + m, abs(f)) - 1) / m)
    }

    /// Upper edge (amplitude) of each code's cell, codes 0 ..< mu; the last cell is open above.
    static func cellEdges(mu: Int = 255) -> [Double] {
        let m = Double(mu)
        return (0..<mu).map { c in
            let f = 2 * (Double(c) + 0.5) / m - 1
            return (f < 0 ? -1.0 : 1.0) * (pow(1 + m, abs(f)) - 1) / m
        }
    }
}

/// Unigram model of the codes with add-one smoothing.
/// Stored in `SequenceSpec.histogram` (audio): the training codes' unigram baseline.
public struct CodeHistogram: Codable, Equatable, Sendable {
    /// Occurrences of each code (mu-law level) in the training files.
    public var counts: [Int]
    init(classes: Int) { counts = [Int](repeating: 0, count: classes) }
    mutating func add(_ codes: [Int]) { for c in codes { counts[c] += 1 } }
    func probability(_ c: Int) -> Double { Double(counts[c] + 1) / Double(counts.reduce(0, +) + counts.count) }
    /// Mean -log2 p over `codes`.
    func bits(_ codes: [Int]) -> Double {
        let logp = (0..<counts.count).map { -log2(probability($0)) }
        return codes.reduce(0.0) { $0 + logp[$1] } / Double(max(codes.count, 1))
    }
}

/// x[t] ~ sum_k a[k] x[t - 1 - k] with a Gaussian residual of standard deviation `sigma`.
/// Stored in `SequenceSpec.lpc`: the linear-prediction baseline fitted on the training data.
public struct LinearPredictor: Codable, Equatable, Sendable {
    /// a[0] ... a[order - 1], in the units of the modelled signal (decoded audio in [-1, 1], or standardised series).
    public var coefficients: [Double]
    /// Standard deviation of the residual on the training data.
    public var sigma: Double

    /// Fits order-`order` LPC on the sequences (autocorrelation method, Levinson-Durbin) and the residual's std.
    static func fit(_ sequences: [[Float]], order: Int) -> LinearPredictor {
        var r = [Double](repeating: 0, count: order + 1)
        for x in sequences {
            for lag in 0...order where lag < x.count {
                var s = 0.0
                for t in lag..<x.count { s += Double(x[t]) * Double(x[t - lag]) }
                r[lag] += s
            }
        }
        let a = levinson(r, order: order)
        var p = LinearPredictor(coefficients: a, sigma: 1)
        var se = 0.0, n = 0.0
        for x in sequences { for t in 0..<x.count { let e = Double(x[t]) - p.predict(x, at: t); se += e * e; n += 1 } }
        p.sigma = max((se / max(n, 1)).squareRoot(), 1e-6)
        return p
    }

    /// Solves the Toeplitz normal equations for autocorrelation r[0...order]; returns a[0 ..< order].
    static func levinson(_ r: [Double], order: Int) -> [Double] {
        var a = [Double](repeating: 0, count: order + 1)   // a[0] unused (1)
        var err = r[0] * (1 + 1e-9) + 1e-12                 // a whisper of ridge for silent or degenerate input
        for i in 1...max(order, 1) where order > 0 {
            var acc = r[i]
            for j in 1..<i { acc -= a[j] * r[i - j] }
            let k = acc / err
            var next = a
            next[i] = k
            for j in 1..<i { next[j] = a[j] - k * a[i - j] }
            a = next
            err *= (1 - k * k)
            if err <= 0 { break }
        }
        return Array(a[1...])
    }

    /// The prediction of x[t] from x[t-1], x[t-2], ... (zeros before the start).
    func predict(_ x: [Float], at t: Int) -> Double {
        var s = 0.0
        for (k, a) in coefficients.enumerated() where t - 1 - k >= 0 { s += a * Double(x[t - 1 - k]) }
        return s
    }

    /// Mean bits per sample of codes[1...] given the decoded past, the Gaussian residual integrated over each mu-law
    /// cell; a 1e-6 uniform floor keeps a rare outlier from costing infinitely many bits.
    /// With `adaptive`, the residual's scale follows the recent past (backward adaptation, as in ADPCM):
    /// s_t^2 = 0.95 s_{t-1}^2 + 0.05 e_{t-1}^2, floored at 1e-4, starting from the fitted sigma.
    func bits(codes: [Int], mu: Int = 255, adaptive: Bool = false) -> Double {
        let edges = MuLaw.cellEdges(mu: mu)
        let x = codes.map { MuLaw.decode($0, mu: mu) }
        var total = 0.0
        var variance = sigma * sigma
        for t in 1..<max(codes.count, 1) {
            let m = predict(x, at: t), c = codes[t]
            let s = adaptive ? max(variance.squareRoot(), 1e-4) : sigma
            let e = Double(x[t]) - m
            variance = 0.95 * variance + 0.05 * e * e
            let hi = c < mu ? normalCDF((edges[c] - m) / s) : 1
            let lo = c > 0 ? normalCDF((edges[c - 1] - m) / s) : 0
            let p = (1 - 1e-6) * max(hi - lo, 0) + 1e-6 / Double(mu + 1)
            total -= log2(p)
        }
        return total / Double(max(codes.count - 1, 1))
    }
}

func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
