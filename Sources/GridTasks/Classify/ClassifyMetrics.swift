// Scores of a binary classifier (label 1 = signal): ROC curve, AUC (Mann-Whitney with average ranks, so ties count
// one half), accuracy at a threshold, and background rejection 1/eps_B at a fixed signal efficiency, read off the
// ROC curve with linear interpolation inside a group of tied scores (the expectation under random tie-breaking).
import Foundation

struct ROCPoint: Equatable, Sendable {
    /// Signal efficiency (true-positive rate).
    var signal: Double
    /// Background efficiency (false-positive rate).
    var background: Double
    init(signal: Double, background: Double) { self.signal = signal; self.background = background }
}

enum ClassifyMetrics {
    /// P(score of a signal jet > score of a background jet) + P(tie) / 2. NaN when a class is missing.
    static func auc(scores: [Double], labels: [Int]) -> Double {
        precondition(scores.count == labels.count, "auc: \(scores.count) scores for \(labels.count) labels")
        let nPos = labels.filter { $0 == 1 }.count, nNeg = labels.count - nPos
        guard nPos > 0, nNeg > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { rankSum += averageRank }
            i = j + 1
        }
        return (rankSum - Double(nPos) * Double(nPos + 1) / 2) / (Double(nPos) * Double(nNeg))
    }

    /// The ROC curve from (0, 0) to (1, 1): one point per distinct score, thresholds descending (score >= t passes).
    static func roc(scores: [Double], labels: [Int]) -> [ROCPoint] {
        let nPos = Double(labels.filter { $0 == 1 }.count), nNeg = Double(labels.count) - nPos
        guard nPos > 0, nNeg > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(signal: 0, background: 0)]
        var tp = 0.0, fp = 0.0, i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(ROCPoint(signal: tp / nPos, background: fp / nNeg))
        }
        return points
    }

    /// Background efficiency at signal efficiency `eff` on a ROC curve (linear between its points).
    static func backgroundEfficiency(atSignal eff: Double, curve: [ROCPoint]) -> Double {
        guard let i = curve.firstIndex(where: { $0.signal >= eff }) else { return 1 }
        if curve[i].signal == eff || i == 0 { return curve[i].background }
        let a = curve[i - 1], b = curve[i]
        return a.background + (b.background - a.background) * (eff - a.signal) / (b.signal - a.signal)
    }

    /// 1 / eps_B at signal efficiency `eff`; nil when no background passes (rejection beyond what the sample measures).
    static func rejection(atSignal eff: Double, curve: [ROCPoint]) -> Double? {
        let b = backgroundEfficiency(atSignal: eff, curve: curve)
        return b > 0 ? 1 / b : nil
    }

    /// Fraction of jets classified right when score > threshold means signal.
    static func accuracy(scores: [Double], labels: [Int], threshold: Double) -> Double {
        guard !scores.isEmpty else { return .nan }
        var right = 0
        for (s, l) in zip(scores, labels) where (s > threshold) == (l == 1) { right += 1 }
        return Double(right) / Double(scores.count)
    }

    /// The threshold (midway between neighbouring distinct scores) that classifies `scores` best; for the
    /// single-variable baselines, whose scores are no probabilities, fitted on the training split.
    static func bestThreshold(scores: [Double], labels: [Int]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        guard let first = order.first else { return 0 }
        // Threshold below everything: all called signal; right = number of signal jets.
        var right = labels.filter { $0 == 1 }.count, best = right, bestT = scores[first] - 1
        var i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s { right += labels[order[i]] == 1 ? -1 : 1; i += 1 }
            if right > best { best = right; bestT = i < order.count ? (s + scores[order[i]]) / 2 : s }
        }
        return bestT
    }
}

/// One method's scores, as the JSON report writes them.
/// Used in `ClassifyEvaluation.methods`; JSON keys auc, accuracy, rejection_at_0.3, rejection_at_0.5.
public struct MethodScores: Codable, Equatable, Sendable {
    /// Area under the ROC curve: P(a signal jet scores above a background jet), ties counted one half.
    public var auc: Double
    /// Fraction of jets classified right at the method's threshold.
    public var accuracy: Double
    /// Background rejection 1/eps_B at signal efficiency 0.3; nil (JSON null) when no background jet passes.
    public var rejectionAt30: Double?
    /// Background rejection 1/eps_B at signal efficiency 0.5; nil (JSON null) when no background jet passes.
    public var rejectionAt50: Double?

    init(auc: Double, accuracy: Double, rejectionAt30: Double?, rejectionAt50: Double?) {
        self.auc = auc; self.accuracy = accuracy; self.rejectionAt30 = rejectionAt30; self.rejectionAt50 = rejectionAt50
    }

    /// All four numbers of `scores` against `labels`; accuracy at `threshold`.
    init(scores: [Double], labels: [Int], threshold: Double) {
        let curve = ClassifyMetrics.roc(scores: scores, labels: labels)
        self.init(auc: ClassifyMetrics.auc(scores: scores, labels: labels),
                  accuracy: ClassifyMetrics.accuracy(scores: scores, labels: labels, threshold: threshold),
                  rejectionAt30: ClassifyMetrics.rejection(atSignal: 0.3, curve: curve),
                  rejectionAt50: ClassifyMetrics.rejection(atSignal: 0.5, curve: curve))
    }

    enum CodingKeys: String, CodingKey {
        case auc, accuracy
        case rejectionAt30 = "rejection_at_0.3"
        case rejectionAt50 = "rejection_at_0.5"
    }

    // Rejections are written as null (not left out) when no background jet passes.
    /// Writes the four numbers, null for a missing rejection.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(auc, forKey: .auc)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(rejectionAt30, forKey: .rejectionAt30)
        try c.encode(rejectionAt50, forKey: .rejectionAt50)
    }
}
