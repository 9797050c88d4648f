// Convolution geometry: one validated value type for 1-, 2- and 3-D convolution, transposed convolution and
// pooling, so the shape rules live in one place. Layout [N, C, spatial...]; weights [Cout, Cin/groups, k...].
import CGridKernels

/// How the padding of a convolution is chosen.
public enum Padding: Equatable, Codable, Sendable {
    case valid
    /// Output size = ceil(input / stride); the extra pixel of an even total goes to the high side (as TensorFlow).
    case same
    /// All padding before the signal (1-D causal convolution): output t sees inputs <= t.
    case causal
    case explicit(lo: [Int], hi: [Int])

    /// Symmetric explicit padding of p on every spatial side.
    public static func symmetric(_ p: [Int]) -> Padding { .explicit(lo: p, hi: p) }
}

/// A configuration that cannot produce a valid output; the message names the shapes.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// The message, naming the shapes involved.
    public let description: String
    /// An error with its one-line message.
    public init(_ description: String) { self.description = description }
}

/// The validated shape arithmetic of one convolution, transposed convolution or pooling over 1, 2 or 3 spatial axes,
/// so that the rules live in one place. Layout `[N, C, spatial...]`, weights `[Cout, Cin / groups, k...]`. Build it
/// with ``ConvGeometry/init(batch:inChannels:outChannels:input:kernel:stride:dilation:padding:groups:allowFloor:)``,
/// ``ConvGeometry/transposed(batch:inChannels:outChannels:input:kernel:stride:padding:outputPadding:dilation:groups:)``
/// or ``ConvGeometry/pooling(batch:channels:input:kernel:stride:padding:)``, which throw
/// ``ShapeError`` for impossible sizes.
public struct ConvGeometry: Equatable, Sendable {
    /// Samples N, input channels, output channels, and channel groups (each output channel sees `inChannels / groups`).
    public let batch: Int, inChannels: Int, outChannels: Int, groups: Int
    /// Per spatial axis: input and output sizes, kernel size, stride, dilation, and the padding before and after.
    public let input: [Int], output: [Int], kernel: [Int], stride: [Int], dilation: [Int], padLo: [Int], padHi: [Int]

    /// The number of spatial axes: 1 (sequences), 2 (maps) or 3 (volumes).
    public var spatialRank: Int { input.count }

    /// Validates a convolution. `allowFloor` accepts sizes where the last window does not reach the edge (PyTorch's
    /// rounding down); by default such a configuration is rejected, as (W + 2P - F)/S + 1 must be an integer.
    public init(batch: Int, inChannels: Int, outChannels: Int, input: [Int], kernel: [Int], stride: [Int]? = nil,
                dilation: [Int]? = nil, padding: Padding = .valid, groups: Int = 1, allowFloor: Bool = false) throws {
        let r = input.count
        guard (1...3).contains(r) else { throw ShapeError("convolution needs 1 to 3 spatial dimensions, got input \(shapeDescription(input))") }
        let stride = stride ?? [Int](repeating: 1, count: r), dilation = dilation ?? [Int](repeating: 1, count: r)
        guard kernel.count == r, stride.count == r, dilation.count == r else {
            throw ShapeError("kernel \(kernel), stride \(stride), dilation \(dilation) do not match input \(shapeDescription(input))")
        }
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            throw ShapeError("channels \(inChannels) -> \(outChannels) are not divisible by groups \(groups)")
        }
        guard kernel.allSatisfy({ $0 >= 1 }), stride.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }) else {
            throw ShapeError("kernel \(kernel), stride \(stride), dilation \(dilation) must be positive")
        }
        var lo = [Int](repeating: 0, count: r), hi = lo
        for i in 0..<r {
            let span = dilation[i] * (kernel[i] - 1)
            switch padding {
            case .valid: break
            case .same:
                let out = (input[i] + stride[i] - 1) / stride[i]
                let total = max((out - 1) * stride[i] + span + 1 - input[i], 0)
                lo[i] = total / 2; hi[i] = total - lo[i]
            case .causal: lo[i] = span
            case let .explicit(l, h):
                guard l.count == r, h.count == r, l.allSatisfy({ $0 >= 0 }), h.allSatisfy({ $0 >= 0 }) else {
                    throw ShapeError("padding \(l)/\(h) does not fit input \(shapeDescription(input))")
                }
                lo[i] = l[i]; hi[i] = h[i]
            }
        }
        var out = [Int]()
        for i in 0..<r {
            let extent = input[i] + lo[i] + hi[i] - dilation[i] * (kernel[i] - 1) - 1
            guard extent >= 0 else {
                throw ShapeError("kernel \(kernel) (dilation \(dilation)) is larger than padded input \(shapeDescription(input)) + \(lo)/\(hi)")
            }
            if extent % stride[i] != 0 && !allowFloor && padding != .same {
                let exact = Double(extent) / Double(stride[i]) + 1
                throw ShapeError("input \(shapeDescription(input)) with kernel \(kernel), stride \(stride), padding \(lo)/\(hi), dilation \(dilation) gives a non-integer output size \(exact) along axis \(i)")
            }
            out.append(extent / stride[i] + 1)
        }
        self.batch = batch; self.inChannels = inChannels; self.outChannels = outChannels; self.groups = groups
        self.input = input; self.output = out; self.kernel = kernel; self.stride = stride; self.dilation = dilation
        self.padLo = lo; self.padHi = hi
    }

    /// Geometry of the convolution whose input gradient is the transposed convolution `input -> output`.
    /// out = (in - 1) * stride - padLo - padHi + dilation * (k - 1) + 1 + outputPadding.
    public static func transposed(batch: Int, inChannels: Int, outChannels: Int, input: [Int], kernel: [Int], stride: [Int],
                                  padding: [Int], outputPadding: [Int], dilation: [Int], groups: Int = 1) throws -> ConvGeometry {
        let r = input.count
        guard kernel.count == r, stride.count == r, padding.count == r, outputPadding.count == r, dilation.count == r else {
            throw ShapeError("transposed convolution parameters do not match input \(shapeDescription(input))")
        }
        for i in 0..<r where outputPadding[i] >= max(stride[i], dilation[i]) || outputPadding[i] < 0 {
            throw ShapeError("output padding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
        }
        var out = [Int]()
        for i in 0..<r {
            let span: Int = dilation[i] * (kernel[i] - 1)
            out.append((input[i] - 1) * stride[i] - 2 * padding[i] + span + 1 + outputPadding[i])
        }
        guard out.allSatisfy({ $0 > 0 }) else { throw ShapeError("transposed convolution of \(shapeDescription(input)) gives output \(out)") }
        let g = try ConvGeometry(batch: batch, inChannels: outChannels, outChannels: inChannels, input: out, kernel: kernel,
                                 stride: stride, dilation: dilation,
                                 padding: .explicit(lo: padding, hi: (0..<r).map { Swift.max(padding[$0] - outputPadding[$0], 0) }),
                                 groups: groups, allowFloor: true)
        guard g.output == input else { throw ShapeError("transposed convolution geometry mismatch: \(g.output) vs \(input)") }
        return g
    }

    /// Pooling windows over [N, C, spatial...] (floor rounding, as PyTorch).
    public static func pooling(batch: Int, channels: Int, input: [Int], kernel: [Int], stride: [Int]? = nil,
                               padding: [Int]? = nil) throws -> ConvGeometry {
        let p = padding ?? [Int](repeating: 0, count: input.count)
        for i in 0..<min(p.count, kernel.count) where p[i] * 2 > kernel[i] {
            throw ShapeError("pooling padding \(p) must be at most half the kernel \(kernel)")
        }
        return try ConvGeometry(batch: batch, inChannels: channels, outChannels: channels, input: input, kernel: kernel,
                                stride: stride ?? kernel, padding: .explicit(lo: p, hi: p), groups: channels, allowFloor: true)
    }

    /// `[N, Cin, spatial...]`.
    public var inputShape: [Int] { [batch, inChannels] + input }
    /// `[N, Cout, spatial...]`.
    public var outputShape: [Int] { [batch, outChannels] + output }
    /// `[Cout, Cin / groups, k...]`.
    public var weightShape: [Int] { [outChannels, inChannels / groups] + kernel }

    /// Multiply-adds times two for one forward pass.
    public var flops: Double {
        2 * Double(batch * outChannels * output.reduce(1, *)) * Double(inChannels / groups * kernel.reduce(1, *))
    }

    /// The C view: spatial dims padded to 3 with leading 1s.
    public var cGeometry: gk_conv_geom {
        func three(_ a: [Int], _ fill: Int) -> (Int64, Int64, Int64) {
            let p = [Int](repeating: fill, count: 3 - a.count) + a
            return (Int64(p[0]), Int64(p[1]), Int64(p[2]))
        }
        var g = gk_conv_geom()
        g.batch = Int64(batch); g.cin = Int64(inChannels); g.cout = Int64(outChannels); g.groups = Int64(groups)
        g.in = three(input, 1); g.out = three(output, 1); g.kernel = three(kernel, 1)
        g.stride = three(stride, 1); g.dilation = three(dilation, 1); g.pad_lo = three(padLo, 0)
        return g
    }
}
