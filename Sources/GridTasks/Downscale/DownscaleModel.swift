// The networks downscaling can use.
import Foundation
import GridTensor
import GridNN
import GridModels
import GridTrain

/// The downscaling networks: `srcnn` (three convolutions, 9-1-5) or `unet`.
public enum DownscaleModelKind: String, Codable, CaseIterable, Sendable { case srcnn, unet }

enum DownscaleModel {
    /// A new network for `channels` inputs and one output (the standardised residual).
    static func spec(kind: DownscaleModelKind, channels: Int, width: Int?, depth: Int?) -> ModelSpec {
        switch kind {
        case .srcnn:
            let w = width ?? 64
            return .srcnn(SRCNNConfig(inChannels: channels, outChannels: 1, kernels: [9, 1, 5], widths: [w, w / 2]))
        case .unet:
            return .unet(UNetConfig(inChannels: channels, outChannels: 1, base: width ?? 16, depth: depth ?? 2, upMode: .upsampleConv))
        }
    }
}
