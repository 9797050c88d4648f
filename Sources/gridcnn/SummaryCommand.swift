// `gridcnn summary MODEL|CHECKPOINT.h5 [options] [--json]`: the layer-by-layer table (or JSON) of a model kind built
// from options, or of the model stored in a checkpoint (with what it was trained for).
import ArgumentParser
import Foundation
import GridModels
import GridTrain

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts (a model kind, or a checkpoint).",
        discussion: """
            Builds the model (from options, or from the ModelSpec a checkpoint stores) and traces one forward pass on \
            a batch of one.
            MODEL: \(ModelKind.allCases.map(\.rawValue).joined(separator: " | ")), or a checkpoint file (.h5).

            Examples:
              gridcnn summary unet --in-channels 3 --base 16 --depth 3 --input-shape 3,128,128
              gridcnn summary resnet34 --classes 10 --json
              gridcnn summary models/detect-unet.h5
            """)

    @Argument(help: "The model kind, or a checkpoint written by `gridcnn train`.") var model: String
    @Option(help: "Input channels.") var inChannels: Int?
    @Option(help: "Output channels (SRCNN, UNet).") var outChannels: Int?
    @Option(help: "UNet base width.") var base: Int?
    @Option(help: "UNet depth (down-sampling steps).") var depth: Int?
    @Option(help: "Width (SRCNN first layer, TDNN hidden, jet/weather CNN first conv, ResNet stem, maxout units).") var width: Int?
    @Option(help: "Output classes (classifiers, WaveNet quantisation levels).") var classes: Int?
    @Option(help: "WaveNet layers per stack.") var layers: Int?
    @Option(help: "WaveNet stacks.") var stacks: Int?
    @Option(help: "One sample's input shape without the batch, e.g. 2,64,64 (C,H,W) or 256,1000 (C,T).") var inputShape: String?
    @Flag(help: "Print JSON: total_params, trainable_params, input_shape, layers [{name, type, output_shape, params}] (for a checkpoint also task, model_kind, epochs, steps, best_epoch, best_validation_score, with the table under summary).") var json = false

    func run() throws {
        try runJob {
            let shape = try parsedShape()
            if ModelKind(rawValue: model.lowercased()) == nil && (model.hasSuffix(".h5") || FileManager.default.fileExists(atPath: model)) {
                try summarizeCheckpoint(shape)
                return
            }
            guard let kind = ModelKind(rawValue: model.lowercased()) else {
                throw ValidationError("unknown model '\(model)'; expected one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")) or a checkpoint file")
            }
            for (name, v) in [("in-channels", inChannels), ("out-channels", outChannels), ("base", base), ("depth", depth),
                              ("width", width), ("classes", classes), ("layers", layers), ("stacks", stacks)] {
                if let v, v < 1 { throw ValidationError("--\(name) must be at least 1, got \(v)") }
            }
            let config = ModelConfig(kind: kind, inChannels: inChannels, outChannels: outChannels, width: width, depth: depth, base: base,
                                     classes: classes, layers: layers, stacks: stacks, inputShape: shape)
            let summary = try config.summary()
            print(json ? summary.json() : summary.table)
        }
    }

    private func parsedShape() throws -> [Int]? {
        guard let s = inputShape else { return nil }
        let parts = s.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--input-shape '\(s)' is not a comma-separated list of positive integers (e.g. 2,64,64)")
        }
        return parts.map { $0! }
    }

    /// The stored model of a checkpoint, traced on --input-shape or a small input of the right rank.
    private func summarizeCheckpoint(_ shape: [Int]?) throws {
        let ck = try Checkpoint.load(model)
        let built = try ck.model.build()
        try ck.restore(into: built)
        let summary = ModelSummary(built, inputShape: [1] + (shape ?? ck.model.summaryInputShape))
        let state = ck.trainingState
        if json {
            struct Stored: Encodable {
                let checkpoint: String, task: String, modelKind: String, gridcnnVersion: String
                let epochs: Int, steps: Int, bestEpoch: Int?, bestValidationScore: Double?, summary: ModelSummary
            }
            try printJSON(Stored(checkpoint: model, task: ck.task, modelKind: ck.modelKind, gridcnnVersion: ck.gridcnnVersion,
                                 epochs: state.epoch, steps: state.step, bestEpoch: state.bestEpoch, bestValidationScore: state.bestScore,
                                 summary: summary))
        } else {
            print("\(model): \(ck.task) checkpoint, model \(ck.modelKind), written by gridcnn \(ck.gridcnnVersion)")
            print("trained \(state.epoch) epochs (\(state.step) steps)" + (state.bestScore.map { String(format: "; best validation score %.5g", $0) } ?? "")
                  + (state.bestEpoch.map { " at epoch \($0)" } ?? ""))
            print(summary.table)
        }
    }
}
