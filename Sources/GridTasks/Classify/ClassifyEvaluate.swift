// `gridcnn evaluate classify`: the network (and other classifiers given for comparison, e.g. the MaxOut baseline)
// against the physics discriminants on the same jets: the checkpoint's held-out test split when the input is the
// training file (same jet count and label checksum), otherwise every jet. AUC, accuracy, background rejection at
// signal efficiency 0.3 and 0.5; a table, JSON, a ROC figure and a figure of the average images.
import Foundation
import GridTensor
import GridTrain

/// What `gridcnn evaluate classify` needs: a classifier checkpoint, a labelled jet file, and optional figures.
public struct ClassifyEvaluateRequest {
    /// The classifier checkpoint (HDF5) to score.
    public var model: String
    /// A jet HDF5 file with `images`, `labels`, `mass` and `tau21`. When it is the model's training file (same jet count
    /// and label checksum) only the checkpoint's held-out test split is scored; otherwise every jet.
    public var input: String
    /// Further classifier checkpoints scored side by side (named by kind: "cnn", "maxout").
    public var compare: [String] = []
    /// Where to draw the ROC curves (.png, .svg or .pdf); nil: no figure.
    public var figure: String?
    /// Where to draw the average signal and background images and their difference; nil: no figure.
    public var images: String?
    /// No contract messages or warnings on stderr. Default false.
    public var quiet = false
    /// A request with no comparison models and no figures.
    public init(model: String, input: String) { self.model = model; self.input = input }
}

/// The scores of `ClassifyEvaluating.run` (printed as a table or, with `--json`, under the snake_case keys).
public struct ClassifyEvaluation: Codable {
    /// Scores per method: "cnn" or "maxout" for the networks, "mass", "tau21" and "mass_tau21" for the physics baselines.
    public var methods: [String: MethodScores]
    /// Jets scored.
    public var testJets: Int
    /// Scored jets labelled signal (1).
    public var signalJets: Int
    /// Scored jets labelled background (0).
    public var backgroundJets: Int
    /// "test split" (the checkpoint's held-out jets of its training file) or "all jets".
    public var selection: String
    /// The file evaluated.
    public var input: String
    /// The checkpoint evaluated.
    public var model: String
    /// The seed of the checkpoint's split.
    public var seed: UInt64
    /// The best physics baseline by AUC and the network's AUC minus its AUC.
    public var bestBaseline: String
    /// The network's AUC minus `bestBaseline`'s; nil when no network was scored.
    public var aucGainOverBestBaseline: Double?
    /// The data contract: what was adapted, skipped, and how far the input is from training.
    public var contract: ContractCheck?

    enum CodingKeys: String, CodingKey {
        case methods, selection, input, model, seed, contract
        case testJets = "test_jets", signalJets = "signal_jets", backgroundJets = "background_jets"
        case bestBaseline = "best_baseline", aucGainOverBestBaseline = "auc_gain_over_best_baseline"
    }
}

/// `gridcnn evaluate classify`: the network (and other classifiers given for comparison) against the physics
/// discriminants on the same jets.
public enum ClassifyEvaluating {
    /// Order of methods in tables and legends.
    public static let order = ["cnn", "maxout", "mass_tau21", "mass", "tau21"]

    /// Scores the checkpoint (and `r.compare`) and the stored physics baselines on the selected jets: AUC, accuracy
    /// (score > 0.5 for the networks, the training-split best cut for the baselines) and background rejection 1/eps_B at
    /// signal efficiency 0.3 and 0.5. Writes the figures asked for; prints contract messages and a warning when a compared
    /// model was trained with another split, on stderr, unless `quiet`.
    /// - Throws: `TaskError` when a checkpoint is not a classifier, the file lacks a field or has another image size, the
    /// selected jets are all of one class, two compared models are of the same kind, or a figure cannot be written.
    public static func run(_ r: ClassifyEvaluateRequest) throws -> ClassifyEvaluation {
        let (ck, spec, model, prep) = try loadClassifier(r.model)
        var data = try JetFile.load(r.input, fields: [.labels, .mass, .tau21], imageSize: spec.imageSize)
        var check = try ClassifyContract.adapt(&data, spec: spec)
        let labels = data.labels!
        var rows = Array(0..<data.count)
        var selection = "all jets"
        if data.count == spec.jets && data.labelsChecksum == spec.labelsSHA256 {
            guard let codes = ck.extras["split"], codes.count == data.count else {
                throw TaskError("\(r.model): the checkpoint lacks its split (task/split) for the \(data.count) jets of its training file")
            }
            rows = JetSplit(codes: codes).test
            selection = "test split"
        }
        let y = rows.map { labels[$0] }
        let nSig = y.filter { $0 == 1 }.count
        guard nSig > 0, nSig < y.count else {
            throw TaskError("\(r.input): the \(y.count) evaluated jets are all \(nSig > 0 ? "signal" : "background"); scoring needs both classes")
        }
        let seen = orientedImages(data.images, spec: spec)
        ClassifyContract.compare(&check, seen: seen, rows: rows, spec: spec)
        if !r.quiet { check.printAdaptations("evaluate classify"); check.printWarnings("evaluate classify") }
        let x = prep.apply(seen)
        var scored = [String: (scores: [Double], threshold: Double)]()
        scored[ck.modelKind == ClassifyModelKind.maxout.rawValue ? "maxout" : "cnn"] =
            (ClassifyModel.probabilities(ClassifyModel.logits(model, x, rows: rows)), 0.5)
        for path in r.compare {
            let (ck2, spec2, model2, prep2) = try loadClassifier(path)
            let name = ck2.modelKind == ClassifyModelKind.maxout.rawValue ? "maxout" : "cnn"
            guard scored[name] == nil else { throw TaskError("\(path): a second '\(name)' model; compare models of different kinds") }
            guard spec2.imageSize == spec.imageSize else {
                throw TaskError("\(path): built for \(spec2.imageHeight)x\(spec2.imageWidth) images, \(r.input) has \(spec.imageHeight)x\(spec.imageWidth)")
            }
            if selection == "test split" && (spec2.seed != spec.seed || spec2.labelsSHA256 != spec.labelsSHA256 || spec2.jets != spec.jets) {
                let trained = Set(ck2.extras["split"].map { JetSplit(codes: $0).train } ?? [])
                let overlap = rows.filter { trained.contains($0) }.count
                if overlap > 0 && !r.quiet {
                    writeStderr("warning: \(path) was trained with another split; \(overlap) of the \(rows.count) test jets were in its training data\n")
                }
            }
            var data2 = data
            data2.images = try JetFile.load(r.input, fields: [], imageSize: spec.imageSize).images
            _ = try ClassifyContract.adapt(&data2, spec: spec2)
            scored[name] = (ClassifyModel.probabilities(ClassifyModel.logits(model2, prep2.apply(orientedImages(data2.images, spec: spec2)), rows: rows)), 0.5)
        }
        for (k, v) in spec.baselines.scores(mass: data.mass!, tau21: data.tau21!, rows: rows) { scored[k] = v }

        var methods = [String: MethodScores]()
        for (k, v) in scored { methods[k] = MethodScores(scores: v.scores, labels: y, threshold: v.threshold) }
        let best = PhysicsBaselines.methods.max { methods[$0]!.auc < methods[$1]!.auc }!
        let net = methods["cnn"] ?? methods["maxout"]
        if let fig = r.figure {
            var curves = [(String, [ROCPoint])]()
            for k in order { if let v = scored[k] { curves.append((k, ClassifyMetrics.roc(scores: v.scores, labels: y))) } }
            try JetFigures.writeROC(fig, curves: curves, methods: methods,
                                    title: "\(selection == "test split" ? "Test split" : "All jets"): \(y.count) jets (\(nSig) signal)")
        }
        if let imgPath = r.images {
            try JetFigures.writeAverageImages(imgPath, images: data.images, labels: labels, rows: rows)
        }
        return ClassifyEvaluation(methods: methods, testJets: rows.count, signalJets: nSig, backgroundJets: rows.count - nSig,
                                  selection: selection, input: r.input, model: r.model, seed: spec.seed, bestBaseline: best,
                                  aucGainOverBestBaseline: net.map { $0.auc - methods[best]!.auc }, contract: check)
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

    /// The text table printed by the CLI.
    public static func table(_ e: ClassifyEvaluation) -> String {
        func num(_ v: Double?, _ f: String) -> String { v.map { String(format: f, $0) } ?? "inf" }
        var lines = ["jet classification: \(e.testJets) jets (\(e.signalJets) signal, \(e.backgroundJets) background), \(e.selection) of \(e.input)",
                     "method            AUC   accuracy   1/eB@eS=0.3   1/eB@eS=0.5"]
        for k in order {
            guard let s = e.methods[k] else { continue }
            lines.append(k.padding(toLength: 12, withPad: " ", startingAt: 0) + num(s.auc, "%9.4f") + num(s.accuracy, "%11.4f")
                         + pad(num(s.rejectionAt30, "%.1f"), 14) + pad(num(s.rejectionAt50, "%.1f"), 14))
        }
        if let c = e.contract {
            if let r = c.meanImageCorrelation { lines.append(String(format: "input mean image vs training mean image: correlation %.4f", r)) }
            lines += c.adaptations.map { "adapted: \($0)" } + c.skipped.map { "not checked: \($0)" } + c.warnings.map { "warning: \($0)" }
        }
        if let g = e.aucGainOverBestBaseline {
            lines.append(String(format: "network AUC minus the best physics baseline (%@): %+.4f", e.bestBaseline, g))
        }
        return lines.joined(separator: "\n")
    }
}

