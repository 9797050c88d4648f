// `gridcnn classify`: one signal probability per jet, written as HDF5 (dataset `scores`, float32 [N]) with
// provenance attributes (gridcnn version, model path and SHA-256, input, command line). The file appears under its
// name only when complete; an existing file is replaced only with overwrite.
import Foundation
import GridTensor
import GridIO
import GridTrain

/// What `gridcnn classify` needs: a classifier checkpoint, a jet-image file and where to write the scores.
public struct ClassifyApplyRequest {
    /// The checkpoint written by `ClassifyTraining.run` (HDF5).
    public var model: String
    /// A jet-image HDF5 file (`images` [N, H, W] in pT per pixel, GeV or another energy unit, which is converted); labels
    /// are not needed. The image size must be the model's.
    public var input: String
    /// Where the result goes, overwrite, quiet, provenance.
    public var output: OutputSettings
    /// A request writing to `output` without replacing an existing file (history "gridcnn classify").
    public init(model: String, input: String, output: String) { self.model = model; self.input = input; self.output = OutputSettings(path: output, history: "gridcnn classify") }
}

/// What `ClassifyApplying.run` did (JSON keys: jets, mean_score, signal_like, contract, output, seconds).
public struct ClassifyApplyReport: Codable {
    /// Jets scored.
    public var jets: Int
    /// Mean signal probability over the jets.
    public var meanScore: Double
    /// Jets with score > 0.5.
    public var signalLike: Int
    /// The data contract: what was adapted, skipped, and how far the input is from training.
    public var contract: ContractCheck
    /// The HDF5 file written.
    public var output: String
    /// Wall-clock seconds of the whole job.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case jets, output, seconds, contract
        case meanScore = "mean_score", signalLike = "signal_like"
    }
}

/// `gridcnn classify`: one signal probability per jet.
public enum ClassifyApplying {
    /// Scores every jet of `r.input` with the checkpoint (images oriented and scaled as at training) and writes HDF5 to
    /// `r.output.path` atomically: dataset `scores` (float32 [N], sigmoid of the logit, 1 = signal) with provenance
    /// attributes (gridcnn version, model path and SHA-256, model kind, input, command line, creation time). Prints the
    /// contract's adaptations and warnings on stderr unless `quiet`.
    /// - Throws: `TaskError` when the output exists without `overwrite`, the checkpoint is not a classifier, the input
    /// lacks images, has another image size, a non-energy unit or another pixel size, or holds NaN/infinite values.
    public static func run(_ r: ClassifyApplyRequest) throws -> ClassifyApplyReport {
        let started = Date()
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it")
        }
        let (ck, spec, model, prep) = try loadClassifier(r.model)
        var data = try JetFile.load(r.input, fields: [], imageSize: spec.imageSize)
        var check = try ClassifyContract.adapt(&data, spec: spec)
        let seen = orientedImages(data.images, spec: spec)
        ClassifyContract.compare(&check, seen: seen, rows: Array(0..<data.count), spec: spec)
        if !r.output.quiet { check.printAdaptations("classify"); check.printWarnings("classify") }
        let x = prep.apply(seen)
        let scores = ClassifyModel.probabilities(ClassifyModel.logits(model, x, rows: Array(0..<data.count)))
        let checksum = try SHA256.hex(file: r.model)
        do {
            let w = try HDF5Writer(path: r.output.path, overwrite: r.output.overwrite)
            try w.writeDataset("scores", Tensor(shape: [scores.count], scalars: scores.map { Float($0) }))
            try w.setAttribute("long_name", .string("signal probability (label 1) from the \(ck.modelKind) jet classifier"), on: "/scores")
            for (k, v) in [("gridcnn_version", r.output.version), ("gridcnn_model", r.model), ("gridcnn_model_sha256", checksum),
                           ("gridcnn_model_kind", ck.modelKind), ("source", r.input), ("history", r.output.history),
                           ("created", ISO8601DateFormatter().string(from: Date()))] {
                try w.setAttribute(k, .string(v))
            }
            try w.finish()
        } catch let e as TaskError { throw e } catch {
            throw TaskError(JetFile.describe(error), path: r.output.path, underlying: error)
        }
        return ClassifyApplyReport(jets: scores.count, meanScore: scores.reduce(0, +) / Double(max(scores.count, 1)),
                                   signalLike: scores.filter { $0 > 0.5 }.count, contract: check, output: r.output.path, seconds: Date().timeIntervalSince(started))
    }
}
