// The physics discriminants a jet-image network has to beat, computed on the same jets: the trimmed mass near the W
// (score -|m - 80.4 GeV|), N-subjettiness (score -tau21), and both together through a 2-D binned likelihood ratio
// fitted on the training split (10 x 10 bins at training-set deciles of m and tau21, half a count added per bin and
// class). Fitted once at training time and stored in the checkpoint's task record, so evaluation on any file applies
// exactly what training saw.
import Foundation

/// The physics discriminants a jet-image network has to beat, fitted once on the training split and stored in
/// `ClassifySpec.baselines`, so evaluation on any file applies exactly what training saw: the trimmed mass near the W
/// (score -|m - 80.4 GeV|), N-subjettiness (score -tau21), and both through a 2-D binned likelihood ratio.
public struct PhysicsBaselines: Codable, Equatable, Sendable {
    static let wMass: Float = 80.4
    /// Inner bin edges (deciles of the training split); values below the first edge fall in bin 0.
    public var massEdges: [Float]
    /// Inner bin edges of tau21 (deciles of the training split).
    public var tau21Edges: [Float]
    /// P(signal | bin) with equal class priors, row-major [mass bin][tau21 bin].
    public var ratio: [Float]
    /// Score cuts for the accuracy of the single-variable scores (best on the training split).
    public var massCut: Double
    /// Score cut of the tau21 baseline (best on the training split).
    public var tau21Cut: Double

    static let methods = ["mass", "tau21", "mass_tau21"]

    /// Fits on the jets `rows` of (mass, tau21, labels).
    init(mass: [Float], tau21: [Float], labels: [Int], rows: [Int], bins: Int = 10) {
        func edges(_ v: [Float]) -> [Float] {
            let s = rows.map { v[$0] }.sorted()
            guard !s.isEmpty else { return [] }
            var e = [Float]()
            for k in 1..<bins {
                let q = s[min(s.count - 1, k * s.count / bins)]
                if e.last.map({ q > $0 }) ?? true { e.append(q) }
            }
            return e
        }
        massEdges = edges(mass); tau21Edges = edges(tau21)
        let nm = massEdges.count + 1, nt = tau21Edges.count + 1
        var sig = [Double](repeating: 0.5, count: nm * nt), bkg = sig
        var nSig = 0.0, nBkg = 0.0
        for r in rows {
            let b = PhysicsBaselines.bin(mass[r], massEdges) * nt + PhysicsBaselines.bin(tau21[r], tau21Edges)
            if labels[r] == 1 { sig[b] += 1; nSig += 1 } else { bkg[b] += 1; nBkg += 1 }
        }
        ratio = zip(sig, bkg).map { s, b in
            let ps = s / max(nSig, 1), pb = b / max(nBkg, 1)
            return Float(ps / (ps + pb))
        }
        massCut = 0; tau21Cut = 0
        let lab = rows.map { labels[$0] }
        massCut = ClassifyMetrics.bestThreshold(scores: rows.map { Self.massScore(mass[$0]) }, labels: lab)
        tau21Cut = ClassifyMetrics.bestThreshold(scores: rows.map { Self.tau21Score(tau21[$0]) }, labels: lab)
    }

    static func bin(_ v: Float, _ edges: [Float]) -> Int {
        var lo = 0, hi = edges.count
        while lo < hi { let mid = (lo + hi) / 2; if v >= edges[mid] { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func massScore(_ m: Float) -> Double { -Double(abs(m - wMass)) }
    static func tau21Score(_ t: Float) -> Double { -Double(t) }

    func likelihoodRatio(mass m: Float, tau21 t: Float) -> Double {
        Double(ratio[PhysicsBaselines.bin(m, massEdges) * (tau21Edges.count + 1) + PhysicsBaselines.bin(t, tau21Edges)])
    }

    /// Scores of each method on jets `rows`, with the threshold its accuracy uses.
    func scores(mass: [Float], tau21: [Float], rows: [Int]) -> [String: (scores: [Double], threshold: Double)] {
        [
            "mass": (rows.map { Self.massScore(mass[$0]) }, massCut),
            "tau21": (rows.map { Self.tau21Score(tau21[$0]) }, tau21Cut),
            "mass_tau21": (rows.map { likelihoodRatio(mass: mass[$0], tau21: tau21[$0]) }, 0.5),
        ]
    }
}
