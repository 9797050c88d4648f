// Pooling, upsampling and reshaping layers. Kernel/stride/padding given as one entry apply to every spatial axis,
// so one layer serves 1-, 2- and 3-D inputs.
import GridTensor
import GridAutograd

/// Max pooling: out = floor((in + 2 * padding - kernel) / stride) + 1 per axis (stride defaults to kernel).
public final class MaxPool: Module {
    public let kernel: [Int], stride: [Int]?, padding: [Int]
    public init(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0]) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
    public convenience init(_ kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernel: [kernel], stride: stride.map { [$0] }, padding: [padding])
    }
    public override func forward(_ x: Variable) -> Variable {
        let r = x.shape.count - 2
        return x.maxPooled(kernel: expandToRank(kernel, r, "kernel"), stride: stride.map { expandToRank($0, r, "stride") },
                           padding: expandToRank(padding, r, "padding"))
    }
}

/// Average pooling, same size rule as MaxPool; `countIncludePad` divides by the full window (PyTorch's default).
public final class AvgPool: Module {
    public let kernel: [Int], stride: [Int]?, padding: [Int], countIncludePad: Bool
    public init(kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0], countIncludePad: Bool = true) {
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.countIncludePad = countIncludePad
    }
    public convenience init(_ kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernel: [kernel], stride: stride.map { [$0] }, padding: [padding])
    }
    public override func forward(_ x: Variable) -> Variable {
        let r = x.shape.count - 2
        return x.avgPooled(kernel: expandToRank(kernel, r, "kernel"), stride: stride.map { expandToRank($0, r, "stride") },
                           padding: expandToRank(padding, r, "padding"), countIncludePad: countIncludePad)
    }
}

/// Mean over all spatial positions: [N, C, ...] -> [N, C] (or [N, C, 1, ...] with keepDims).
public final class GlobalAvgPool: Module {
    public let keepDims: Bool
    public init(keepDims: Bool = false) { self.keepDims = keepDims }
    public override func forward(_ x: Variable) -> Variable {
        let y = x.globalAvgPooled()
        return keepDims ? y.reshaped(y.shape + [Int](repeating: 1, count: x.shape.count - 2)) : y
    }
}

/// Integer-factor resize of every spatial axis: [N, C, s...] -> [N, C, scale * s...] (nearest or (bi/tri)linear).
public final class Upsample: Module {
    public let scale: Int, mode: Variable.UpsampleMode
    public init(scale: Int = 2, mode: Variable.UpsampleMode = .nearest) { self.scale = scale; self.mode = mode }
    public override func forward(_ x: Variable) -> Variable { x.upsampled(scale: scale, mode: mode) }
}

/// Collapses the axes from `startAxis` on: [N, C, H, W] -> [N, C*H*W].
public final class Flatten: Module {
    public let startAxis: Int
    public init(from startAxis: Int = 1) { self.startAxis = startAxis }
    public override func forward(_ x: Variable) -> Variable { x.flattened(from: startAxis) }
}

/// Any shape (per sample): [N, ...] -> [N] + shape, one entry may be -1.
public final class Reshape: Module {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public override func forward(_ x: Variable) -> Variable { x.reshaped([x.shape[0]] + shape) }
}
