// `gridcnn train classify`: a jet-image classifier (signal vs background) with the shared Trainer. The jets are split
// once, seeded and stratified (60 / 20 / 20 train / validation / test); pixel statistics and the physics baselines
// are fitted on the training split; the validation score is 1 - AUC, the best epoch is kept, and training stops
// early after `patience` epochs without a better one. The test split is stored in the checkpoint and never used here.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain

/// What `gridcnn train classify` needs: a labelled jet file, the network to train and the training run.
public struct ClassifyTrainRequest {
    /// A jet HDF5 file with `images` [N, H, W] (pT per pixel, GeV), `labels` (1 signal, 0 background), `mass` and `tau21`;
    /// at least 5 jets of each class.
    public var input: String
    /// The network (default `.jetcnn`).
    public var model: ClassifyModelKind = .jetcnn
    /// Width: filters of the CNN's first convolution (the second has twice as many; nil: 16), or units of the first
    /// maxout layer (the second has half as many; nil: 256).
    public var width: Int?
    /// Dropout before the output layer; nil: 0.5 for the CNN, 0 for maxout.
    public var dropout: Float?
    /// How pixel intensities are scaled before the network (default `.sqrt`).
    public var scaling: JetScaling = .sqrt
    /// Put every image in the canonical orientation (JetCanonical) before scaling, here and when applied.
    public var canonical = true
    /// Output, training options (12 epochs, batch 64, lr 2e-3, patience 4), resume, interrupt.
    public var run: TrainingRun

    /// A request training the jet CNN into checkpoint `output` for 12 epochs of batch 64 at learning rate 2e-3 with
    /// patience 4.
    public init(input: String, output: String) {
        self.input = input
        var t = TrainingOptions()
        t.epochs = 12; t.batchSize = 64; t.learningRate = 2e-3; t.patience = 4
        run = TrainingRun(output: output, options: t)
    }
}

/// What `ClassifyTraining.run` did (printed with `--json` under the property names).
public struct ClassifyTrainReport: Codable {
    /// The network kind (`ClassifyModelKind.rawValue`).
    public var model: String
    /// Trainable parameters of the network.
    public var parameters: Int
    /// The pixel scaling used (`JetScaling.rawValue`).
    public var scaling: String
    /// Jets in the training split (60 % of each class).
    public var trainJets: Int
    /// Jets in the validation split (20 %), which chooses the kept epoch.
    public var validationJets: Int
    /// Jets in the test split (20 %), stored in the checkpoint and never used in training.
    public var testJets: Int
    /// The best epoch's validation AUC (its validation score is 1 - AUC).
    public var bestValidationAUC: Double?
    /// The physics baselines on the validation split, for comparison.
    public var validationAUCBaselines: [String: Double]
    /// Epochs, steps, loss and validation history, the kept epoch and the checkpoint path.
    public var training: TrainingSummary
}

/// `gridcnn train classify`: a jet-image classifier (signal vs background) trained with the shared trainer.
public enum ClassifyTraining {
    /// Splits the jets once (seeded, stratified 60/20/20), fits pixel statistics and the physics baselines on the training
    /// split, trains with binary cross-entropy, scores each epoch by 1 - validation AUC, keeps the best epoch and stops after
    /// `patience` epochs without a better one. Writes the checkpoint (weights, split, pixel statistics, baselines and the
    /// data contract) atomically and prints progress on stderr unless quiet.
    /// - Throws: `TaskError` for a bad jet file or fewer than 5 jets of a class; the training job's errors (existing output
    /// without overwrite, a bad resume file); `TrainingInterrupted` after Ctrl-C (resumable state saved).
    public static func run(_ r: ClassifyTrainRequest) throws -> ClassifyTrainReport {
        let job = try TrainingJob(task: "classify", run: r.run)
        let seed = r.run.options.seed
        let data = try JetFile.load(r.input, fields: [.labels, .mass, .tau21])
        let labels = data.labels!
        let nSig = labels.filter { $0 == 1 }.count
        guard nSig >= 5, data.count - nSig >= 5 else {
            throw TaskError("\(r.input): \(nSig) signal and \(data.count - nSig) background jets; training needs at least 5 of each")
        }
        let split = JetSplit.make(labels: labels, seed: seed)
        let seen = r.canonical ? JetCanonical.apply(data.images) : data.images
        let prep = JetPreprocessing(scaling: r.scaling, images: seen, rows: split.train)
        let x = prep.apply(seen)
        let baselines = PhysicsBaselines(mass: data.mass!, tau21: data.tau21!, labels: labels, rows: split.train)
        let valLabels = split.validation.map { labels[$0] }
        var baselineAUC = [String: Double]()
        for (k, v) in baselines.scores(mass: data.mass!, tau21: data.tau21!, rows: split.validation) {
            baselineAUC[k] = ClassifyMetrics.auc(scores: v.scores, labels: valLabels)
        }

        let modelSpec = try ClassifyModel.spec(kind: r.model, imageSize: data.imageSize, width: r.width, dropout: r.dropout)
        let model = try modelSpec.build(seed: seed)
        var spec = ClassifySpec(model: r.model, imageHeight: data.imageSize[0], imageWidth: data.imageSize[1], scaling: r.scaling,
                                seed: seed, trainingFile: r.input, jets: data.count, labelsSHA256: data.labelsChecksum!,
                                trainJets: split.train.count, validationJets: split.validation.count, testJets: split.test.count,
                                baselines: baselines)
        spec.canonicalOrientation = r.canonical
        spec.dataContract = ClassifyContract.make(data: data, seen: seen, rows: split.train, canonical: r.canonical, scaling: r.scaling)
        if !r.run.quiet {
            writeStderr("classify: \(r.input): \(data.count) jets (\(nSig) signal) of \(data.imageSize[0])x\(data.imageSize[1]) pixels; split \(split.train.count) train / \(split.validation.count) validation / \(split.test.count) test (seed \(seed))\n")
            writeStderr("classify: model \(r.model.rawValue) (\(model.parameterCount) parameters), \(r.scaling.rawValue) pixels\(r.canonical ? " in canonical orientation" : "") ; validation AUC of mass \(fmt(baselineAUC["mass"])), tau21 \(fmt(baselineAUC["tau21"])), mass+tau21 \(fmt(baselineAUC["mass_tau21"]))\n")
        }
        let validate: () -> Double = {
            1 - ClassifyMetrics.auc(scores: ClassifyModel.logits(model, x, rows: split.validation), labels: valLabels)
        }
        var extras = prep.tensors
        extras["split"] = split.codes(count: data.count)
        let summary = try job.train(model: model, spec: modelSpec, taskSpec: spec, extras: extras,
                                   data: JetBatches(input: x, labels: labels, rows: split.train), validate: validate) { out, batch in
            Loss.bceWithLogits(out, batch.target)
        }
        return ClassifyTrainReport(model: r.model.rawValue, parameters: model.parameterCount, scaling: r.scaling.rawValue,
                                   trainJets: split.train.count, validationJets: split.validation.count, testJets: split.test.count,
                                   bestValidationAUC: summary.bestValidationScore.map { 1 - $0 }, validationAUCBaselines: baselineAUC,
                                   training: summary)
    }

    static func fmt(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }

    /// The one-line summary the CLI prints.
    public static func summary(_ t: ClassifyTrainReport) -> String {
        String(format: "trained %@ for %d epochs (%d steps) in %.1f s; best validation AUC %.4f (epoch %d; mass+tau21 %.4f); checkpoint %@",
               t.model, t.training.epochs, t.training.steps, t.training.seconds, t.bestValidationAUC ?? .nan, t.training.bestEpoch ?? 0,
               t.validationAUCBaselines["mass_tau21"] ?? .nan, t.training.checkpoint)
    }
}
