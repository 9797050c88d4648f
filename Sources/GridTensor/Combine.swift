// Padding, concatenation and stacking.

extension Tensor {
    /// Pads the trailing axes: lo[i]/hi[i] apply to axis rank - lo.count + i (NCHW: give [top, left], [bottom, right]).
    public func padded(lo: [Int], hi: [Int], mode: AxisTaps.PadMode = .zero, value: Float = 0) -> Tensor {
        precondition(lo.count == hi.count && lo.count <= rank, "padding \(lo)/\(hi) does not fit \(shapeDescription(shape))")
        if mode == .zero && value != 0 {
            // Constant padding: the zero-padded input plus the constant where the padding is.
            let border = (1 - Tensor(ones: shape).padded(lo: lo, hi: hi)) * value
            return padded(lo: lo, hi: hi) + border
        }
        var out = self
        for i in 0..<lo.count where lo[i] != 0 || hi[i] != 0 {
            let ax = rank - lo.count + i
            out = out.applyingTaps(.pad(size: shape[ax], lo: lo[i], hi: hi[i], mode: mode), axis: ax)
        }
        return out
    }

    /// Joins tensors along an existing axis; all other dimensions must match.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let r = parts[0].rank, ax = normalizeAxis(axis, rank: r)
        for p in parts {
            precondition(p.rank == r && (0..<r).allSatisfy { $0 == ax || p.shape[$0] == parts[0].shape[$0] },
                         "cannot concatenate \(parts.map { shapeDescription($0.shape) }.joined(separator: ", ")) along axis \(ax)")
        }
        var outShape = parts[0].shape
        outShape[ax] = parts.reduce(0) { $0 + $1.shape[ax] }
        let outer = outShape.prefix(ax).reduce(1, *), inner = outShape.suffix(from: ax + 1).reduce(1, *)
        var out = Tensor(uninitializedShape: outShape)
        let rowOut = outShape[ax] * inner
        out.withUnsafeMutableBufferPointer { dst in
            var col = 0
            for p in parts {
                let run = p.shape[ax] * inner
                p.withUnsafeBufferPointer { src in
                    for b in 0..<outer {
                        (dst.baseAddress! + b * rowOut + col).update(from: src.baseAddress! + b * run, count: run)
                    }
                }
                col += run
            }
        }
        return out
    }

    /// Joins same-shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        concatenate(parts.map { $0.unsqueezed(axis) }, axis: axis)
    }

    /// Splits along an axis into pieces of the given sizes (the adjoint of concatenate).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not add up to \(shape[ax])")
        var start = 0
        return sizes.map { n in defer { start += n }; return sliced(axis: ax, start..<(start + n)).contiguous() }
    }
}
