// Pooling, upsampling and reshaping layers. Kernel/stride/padding given as one entry apply to every spatial axis,
// so one layer serves 1-, 2- and 3-D inputs.
import GridTensor
import GridAutograd

/// Max pooling: out = floor((in + 2 * padding - kernel) / stride) + 1 per axis (stride defaults to kernel).
public final class MaxPool: Module {
    /// Window size per spatial axis, step (nil: the window size) and padding on both sides (padded cells never win).
    public let kernel: [Int], stride: [Int]?, padding: [Int]
    /// Max pooling with one entry per spatial axis (or one entry for all).
    public init(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0]) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    /// Max pooling with the same window, stride and padding on every spatial axis.
    public convenience init(_ kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernel: [kernel], stride: stride.map { [$0] }, padding: [padding])
    }
    /// `[N, C, in...]` -> `[N, C, out...]`; traps when the window does not fit.
    public override func forward(_ x: Variable) -> Variable {
        let r = x.shape.count - 2
        return x.maxPooled(kernel: expandToRank(kernel, r, "kernel"), stride: stride.map { expandToRank($0, r, "stride") },
                           padding: expandToRank(padding, r, "padding"))
    }
}

/// Average pooling, same size rule as MaxPool; `countIncludePad` divides by the full window (PyTorch's default).
public final class AvgPool: Module {
    /// Window size per spatial axis, step (nil: the window size), padding on both sides, and whether padded cells count
    /// in each mean.
    public let kernel: [Int], stride: [Int]?, padding: [Int], countIncludePad: Bool
    /// Average pooling with one entry per spatial axis (or one entry for all).
    public init(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0], countIncludePad: Bool = true) {
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.countIncludePad = countIncludePad
    }
    /// Average pooling with the same window, stride and padding on every spatial axis.
    public convenience init(_ kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernel: [kernel], stride: stride.map { [$0] }, padding: [padding])
    }
    /// `[N, C, in...]` -> `[N, C, out...]`; traps when the window does not fit.
    public override func forward(_ x: Variable) -> Variable {
        let r = x.shape.count - 2
        return x.avgPooled(kernel: expandToRank(kernel, r, "kernel"), stride: stride.map { expandToRank($0, r, "stride") },
                           padding: expandToRank(padding, r, "padding"), countIncludePad: countIncludePad)
    }
}

/// Mean over all spatial positions: [N, C, ...] -> [N, C] (or [N, C, 1, ...] with keepDims).
public final class GlobalAvgPool: Module {
    /// True to keep the spatial axes with length 1.
    public let keepDims: Bool
    /// Global average pooling, dropping the spatial axes unless `keepDims`.
    public init(keepDims: Bool = false) { self.keepDims = keepDims }
    /// The mean of each channel over all spatial positions.
    public override func forward(_ x: Variable) -> Variable {
        let y = x.globalAvgPooled()
        return keepDims ? y.reshaped(y.shape + [Int](repeating: 1, count: x.shape.count - 2)) : y
    }
}

/// Integer-factor resize of every spatial axis: [N, C, s...] -> [N, C, scale * s...] (nearest or (bi/tri)linear).
public final class Upsample: Module {
    /// The integer factor applied to every spatial axis, and how new cells are filled.
    public let scale: Int, mode: Variable.UpsampleMode
    /// Upsampling by `scale` (2 by default), nearest-neighbour unless `mode` says linear.
    public init(scale: Int = 2, mode: Variable.UpsampleMode = .nearest) { self.scale = scale; self.mode = mode }
    /// `[N, C, s...]` -> `[N, C, scale * s...]`.
    public override func forward(_ x: Variable) -> Variable { x.upsampled(scale: scale, mode: mode) }
}

/// Collapses the axes from `startAxis` on: [N, C, H, W] -> [N, C*H*W].
public final class Flatten: Module {
    /// The first axis merged.
    public let startAxis: Int
    /// Flattening from `startAxis` (1: everything but the batch axis).
    public init(from startAxis: Int = 1) { self.startAxis = startAxis }
    /// `x` with the axes from `startAxis` merged into one.
    public override func forward(_ x: Variable) -> Variable { x.flattened(from: startAxis) }
}

/// Any shape (per sample): [N, ...] -> [N] + shape, one entry may be -1.
public final class Reshape: Module {
    /// The per-sample shape; one entry may be -1 (inferred).
    public let shape: [Int]
    /// Reshaping every sample to `shape`.
    public init(_ shape: [Int]) { self.shape = shape }
    /// `[N, ...]` -> `[N] + shape` (same element count per sample).
    public override func forward(_ x: Variable) -> Variable { x.reshaped([x.shape[0]] + shape) }
}
