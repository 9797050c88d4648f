// The networks downscaling can use, built from the kind and config stored in a checkpoint.
import Foundation
import GridTensor
import GridNN
import GridModels
import GridTrain

public enum DownscaleModelKind: String, Codable, CaseIterable, Sendable { case srcnn, unet }

public enum DownscaleModel {
    /// A new network for `channels` inputs and one output (the standardised residual).
    public static func config(kind: DownscaleModelKind, channels: Int, width: Int?, depth: Int?) -> String {
        switch kind {
        case .srcnn:
            let w = width ?? 64
            return (try? jsonString(SRCNNConfig(inChannels: channels, outChannels: 1, kernels: [9, 1, 5], widths: [w, w / 2]))) ?? ""
        case .unet:
            return (try? jsonString(UNetConfig(inChannels: channels, outChannels: 1, base: width ?? 16, depth: depth ?? 2, upMode: .upsampleConv))) ?? ""
        }
    }

    /// Builds the network a config describes (weights initialised from `seed`).
    public static func build(kind: String, config: String, seed: UInt64 = 0) throws -> (any Layer, multiple: Int) {
        let data = Data(config.utf8)
        switch kind {
        case "srcnn": return (SRCNN(try JSONDecoder().decode(SRCNNConfig.self, from: data), seed: seed), 1)
        case "unet":
            let c = try JSONDecoder().decode(UNetConfig.self, from: data)
            return (UNet(c, seed: seed), 1 << c.depth)
        default: throw TaskError("unknown downscaling model kind '\(kind)' (known: srcnn, unet)")
        }
    }
}
