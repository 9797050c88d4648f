// Moving fields between the coarse and the fine grid: block-average coarsening (the perfect-model set-up) and
// separable bilinear/bicubic interpolation, all NaN-aware so land-only or masked fields keep their gaps.
import GridTensor

/// How a coarse field is interpolated to the fine grid: bilinear, bicubic (Keys, a = -0.75 as PyTorch and OpenCV) or nearest neighbour; NaN-aware.
public enum Interpolation: String, Codable, CaseIterable, Sendable { case bilinear, bicubic, nearest }

enum Regrid {
    /// Mean over factor x factor blocks of the last two axes; a block with no valid point is NaN.
    static func coarsen(_ field: Tensor, factor: Int) throws -> Tensor {
        let r = field.rank
        guard r >= 2 else { throw ShapeError("coarsening needs at least 2 dimensions, got \(shapeDescription(field.shape))") }
        let h = field.shape[r - 2], w = field.shape[r - 1]
        guard factor >= 1, h % factor == 0, w % factor == 0 else {
            throw ShapeError("factor \(factor) does not divide the grid \(h)x\(w)")
        }
        let lead = field.shape.prefix(r - 2).reduce(1, *), ch = h / factor, cw = w / factor
        var out = Tensor(uninitializedShape: Array(field.shape.prefix(r - 2)) + [ch, cw])
        field.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for b in 0..<lead { for i in 0..<ch { for j in 0..<cw {
                    var s = 0.0, n = 0
                    for di in 0..<factor { for dj in 0..<factor {
                        let v = src[b * h * w + (i * factor + di) * w + j * factor + dj]
                        if !v.isNaN { s += Double(v); n += 1 }
                    } }
                    dst[b * ch * cw + i * cw + j] = n > 0 ? Float(s / Double(n)) : .nan
                } } }
            }
        }
        return out
    }

    /// Resizes the last two axes to (height, width). NaNs are filled from their valid neighbours first so that they
    /// do not spread; the caller re-applies the fine-grid mask.
    static func interpolate(_ field: Tensor, height: Int, width: Int, method: Interpolation) -> Tensor {
        let r = field.rank
        let filled = fillNaN(field)
        func taps(_ n: Int, _ m: Int) -> AxisTaps {
            switch method {
            case .bilinear: return .linear(from: n, to: m)
            case .bicubic: return .cubic(from: n, to: m)
            case .nearest: return .nearest(from: n, to: m)
            }
        }
        return filled.applyingTaps(taps(field.shape[r - 2], height), axis: r - 2).applyingTaps(taps(field.shape[r - 1], width), axis: r - 1)
    }

    /// Replaces NaNs of each 2-D slice by the mean of valid 4-neighbours, repeated until none is left
    /// (all-NaN slices become 0).
    static func fillNaN(_ field: Tensor) -> Tensor {
        guard field.scalars.contains(where: { $0.isNaN }) else { return field }
        let r = field.rank, h = field.shape[r - 2], w = field.shape[r - 1]
        var out = field.contiguous()
        out.withUnsafeMutableBufferPointer { p in
            for b in 0..<(p.count / (h * w)) {
                let base = b * h * w
                var remaining = (0..<(h * w)).filter { p[base + $0].isNaN }
                if remaining.count == h * w { for k in remaining { p[base + k] = 0 }; continue }
                while !remaining.isEmpty {
                    var updates = [(Int, Float)]()
                    for k in remaining {
                        let i = k / w, j = k % w
                        var s: Float = 0, n: Float = 0
                        for (di, dj) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                            let ii = i + di, jj = j + dj
                            guard ii >= 0, ii < h, jj >= 0, jj < w else { continue }
                            let v = p[base + ii * w + jj]
                            if !v.isNaN { s += v; n += 1 }
                        }
                        if n > 0 { updates.append((k, s / n)) }
                    }
                    for (k, v) in updates { p[base + k] = v }
                    let done = Set(updates.map { $0.0 })
                    remaining.removeAll { done.contains($0) }
                }
            }
        }
        return out
    }
}
