// The networks jet classification can use (one output logit, signal probability = sigmoid) and what a checkpoint
// records about a classifier besides its weights.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain

/// The networks jet classification can train; both output one logit (signal probability = sigmoid).
public enum ClassifyModelKind: String, Codable, CaseIterable, Sendable {
    /// The jet-image CNN: conv 5x5 'same' ReLU max-pool 2, twice (width, 2 x width filters), dense 128, dropout, 1 logit.
    case jetcnn
    /// The dense maxout baseline: flatten -> maxout 256 -> maxout 128 (5 pieces) -> dense 64 ReLU -> 1 logit.
    case maxout

    /// The name a method gets in evaluation reports.
    var methodName: String { self == .jetcnn ? "cnn" : "maxout" }
}

enum ClassifyModel {
    static let defaultWidth = 16

    /// A new network for images of `imageSize` [H, W].
    static func spec(kind: ClassifyModelKind, imageSize: [Int], width: Int? = nil, dropout: Float? = nil) throws -> ModelSpec {
        switch kind {
        case .jetcnn:
            let w = width ?? defaultWidth
            let c = ConvNetConfig.jetCNN(inChannels: 1, inputSize: imageSize, widths: [w, 2 * w], hidden: [128], classes: 1,
                                         dropout: dropout ?? 0.5)
            do { try ConvNet.check(c) } catch {
                throw TaskError("the jet CNN cannot take \(imageSize[0])x\(imageSize[1]) images (\(error)); it needs at least 4x4")
            }
            return .jetcnn(c)
        case .maxout:
            let w = width ?? 256
            return .maxout(MaxOutNetConfig(inFeatures: imageSize.reduce(1, *), units: [w, max(w / 2, 1)], pieces: 5,
                                           hidden: [64], classes: 1, dropout: dropout ?? 0))
        }
    }

    /// Logits of `model` for rows of the network input x [N, 1, H, W], in batches, without gradients.
    static func logits(_ model: any Layer, _ x: Tensor, rows: [Int], batch: Int = 512) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(rows.count)
        let plan = InferencePlan(model)
        var start = 0
        while start < rows.count {
            let part = Array(rows[start..<min(start + batch, rows.count)])
            out += plan(gatherRows(x, part)).scalars.map { Double($0) }
            start += part.count
        }
        return out
    }

    /// Signal probabilities sigmoid(logit).
    static func probabilities(_ logits: [Double]) -> [Double] {
        logits.map { $0 >= 0 ? 1 / (1 + Foundation.exp(-$0)) : Foundation.exp($0) / (1 + Foundation.exp($0)) }
    }

    /// Rows of x (axis 0), copied into one contiguous tensor.
    static func gatherRows(_ x: Tensor, _ rows: [Int]) -> Tensor {
        let src = x.contiguous()
        let per = src.shape.dropFirst().reduce(1, *)
        var out = Tensor(uninitializedShape: [rows.count] + Array(src.shape.dropFirst()))
        src.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for (k, r) in rows.enumerated() {
                UnsafeMutableRawPointer(o.baseAddress! + k * per)
                    .copyMemory(from: p.baseAddress! + r * per, byteCount: per * MemoryLayout<Float>.stride)
            }
        } }
        return out
    }
}

/// What a classification checkpoint records besides the weights (task group: pixel_mean, pixel_std, split).
public struct ClassifySpec: Codable, Equatable, Sendable {
    /// The network kind.
    public var model: ClassifyModelKind
    /// Image rows (pixels) the network takes.
    public var imageHeight: Int
    /// Image columns (pixels) the network takes.
    public var imageWidth: Int
    /// Pixel scaling applied before the network.
    public var scaling: JetScaling
    /// Seed of the split and the initialisation.
    public var seed: UInt64
    /// The training file, its jet count and the SHA-256 of its labels (to recognise it at evaluation).
    public var trainingFile: String
    /// Jets in the training file.
    public var jets: Int
    /// SHA-256 of the training file's labels (one byte each).
    public var labelsSHA256: String
    /// Jets in the training split.
    public var trainJets: Int
    /// Jets in the validation split.
    public var validationJets: Int
    /// Jets in the test split (their rows are in the checkpoint's task/split).
    public var testJets: Int
    /// Fitted on the training split.
    public var baselines: PhysicsBaselines
    /// Whether images are put in the canonical orientation (JetCanonical) before scaling; nil (older
    /// checkpoints): no.
    public var canonicalOrientation: Bool? = nil
    /// What the model was trained on (nil in checkpoints made before contracts).
    public var dataContract: DataContract? = nil
    /// Whether images are put in the canonical orientation (false for older checkpoints).
    public var canonical: Bool { canonicalOrientation ?? false }

    /// [imageHeight, imageWidth].
    public var imageSize: [Int] { [imageHeight, imageWidth] }
}

/// Training jets as mini-batches: network input [B, 1, H, W] and targets [B, 1] (1 = signal).
struct JetBatches: BatchSource {
    let input: Tensor
    let labels: [Int]
    let rows: [Int]

    var sampleCount: Int { rows.count }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        let picked = indices.map { rows[$0] }
        let y = picked.map { labels[$0] }
        return Batch(input: ClassifyModel.gatherRows(input, picked), target: Tensor(shape: [picked.count, 1], scalars: y.map { Float($0) }),
                     labels: y)
    }
}

/// Loads a checkpoint and checks that it is a jet classifier.
func loadClassifier(_ path: String) throws -> (Checkpoint, ClassifySpec, Module, JetPreprocessing) {
    let trained = try TrainedModel<ClassifySpec>(checkpoint: path, task: "classify")
    guard let prep = JetPreprocessing(scaling: trained.spec.scaling, extras: trained.checkpoint.extras) else {
        throw TaskError("\(path): the checkpoint lacks the pixel statistics (task/pixel_mean, task/pixel_std)")
    }
    return (trained.checkpoint, trained.spec, trained.model, prep)
}
