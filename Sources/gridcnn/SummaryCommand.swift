// `gridcnn summary MODEL [options] [--json]`: the layer-by-layer table (or JSON) of a model from the registry.
import ArgumentParser
import Foundation
import GridModels

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts.",
        discussion: """
            Builds the model from its registry config and traces one forward pass on a batch of one.
            MODEL: \(ModelKind.allCases.map(\.rawValue).joined(separator: " | ")).

            Examples:
              gridcnn summary unet --in-channels 3 --base 16 --depth 3 --input-shape 3,128,128
              gridcnn summary resnet34 --classes 10 --json
            """)

    @Argument(help: "The model kind.") var model: String
    @Option(help: "Input channels.") var inChannels: Int?
    @Option(help: "Output channels (SRCNN, UNet).") var outChannels: Int?
    @Option(help: "UNet base width.") var base: Int?
    @Option(help: "UNet depth (down-sampling steps).") var depth: Int?
    @Option(help: "Width (SRCNN first layer, TDNN hidden, jet/weather CNN first conv, ResNet stem, maxout units).") var width: Int?
    @Option(help: "Output classes (classifiers, WaveNet quantisation levels).") var classes: Int?
    @Option(help: "WaveNet layers per stack.") var layers: Int?
    @Option(help: "WaveNet stacks.") var stacks: Int?
    @Option(help: "One sample's input shape without the batch, e.g. 2,64,64 (C,H,W) or 256,1000 (C,T).") var inputShape: String?
    @Flag(help: "Print JSON: total_params, trainable_params, input_shape, layers [{name, type, output_shape, params}].") var json = false

    func run() throws {
        do {
            guard let kind = ModelKind(rawValue: model.lowercased()) else {
                throw ValidationError("unknown model '\(model)'; expected one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var shape: [Int]?
            if let s = inputShape {
                let parts = s.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw ValidationError("--input-shape '\(s)' is not a comma-separated list of positive integers (e.g. 2,64,64)")
                }
                shape = parts.map { $0! }
            }
            for (name, v) in [("in-channels", inChannels), ("out-channels", outChannels), ("base", base), ("depth", depth),
                              ("width", width), ("classes", classes), ("layers", layers), ("stacks", stacks)] {
                if let v, v < 1 { throw ValidationError("--\(name) must be at least 1, got \(v)") }
            }
            let config = ModelConfig(kind: kind, inChannels: inChannels, outChannels: outChannels, width: width, depth: depth, base: base,
                                     classes: classes, layers: layers, stacks: stacks, inputShape: shape)
            let summary = try config.summary()
            print(json ? summary.json() : summary.table)
        } catch {
            let message = (error as? ValidationError)?.message ?? "\(error)"
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
