// Running a fully convolutional model over a grid larger than memory allows: tiles with a halo of context,
// each tile's core kept. With a halo at least the model's receptive radius the result equals one whole pass.
import GridTensor
import GridAutograd
import GridNN

public enum TiledInference {
    /// input [N, C, H, W] -> model output [N, K, H, W], computed tile by tile (tile x tile cores plus `halo`).
    /// `multiple`: spatial sizes the model needs (2^depth for a UNet); pieces are edge-padded up to it and cropped back.
    /// The model runs as an `InferencePlan` (folded, fused, allocation-free); pass one plan for many calls so it
    /// is compiled once per tile shape.
    public static func run(_ model: InferencePlan, _ input: Tensor, tile: Int = 256, halo: Int = 16, multiple: Int = 1) -> Tensor {
        let h = input.shape[2], w = input.shape[3]
        if h <= tile + 2 * halo && w <= tile + 2 * halo { return forward(model, input, multiple: multiple) }
        var rows = [Tensor]()
        for y0 in stride(from: 0, to: h, by: tile) {
            var cols = [Tensor]()
            for x0 in stride(from: 0, to: w, by: tile) {
                let y1 = min(y0 + tile, h), x1 = min(x0 + tile, w)
                let py0 = max(0, y0 - halo), px0 = max(0, x0 - halo), py1 = min(h, y1 + halo), px1 = min(w, x1 + halo)
                let piece = input.sliced(axis: 2, py0..<py1).sliced(axis: 3, px0..<px1).contiguous()
                let out = forward(model, piece, multiple: multiple)
                cols.append(out.sliced(axis: 2, (y0 - py0)..<(y1 - py0)).sliced(axis: 3, (x0 - px0)..<(x1 - px0)).contiguous())
            }
            rows.append(Tensor.concatenate(cols, axis: 3))
        }
        return Tensor.concatenate(rows, axis: 2)
    }

    /// One pass, edge-padding H and W up to a multiple and cropping the output back.
    static func forward(_ model: InferencePlan, _ x: Tensor, multiple: Int) -> Tensor {
        let h = x.shape[2], w = x.shape[3]
        let ph = (multiple - h % multiple) % multiple, pw = (multiple - w % multiple) % multiple
        let padded = ph + pw > 0 ? x.padded(lo: [0, 0], hi: [ph, pw], mode: .replicate) : x
        let out = model(padded)
        return ph + pw > 0 ? out.sliced(axis: 2, 0..<h).sliced(axis: 3, 0..<w).contiguous() : out
    }
}
