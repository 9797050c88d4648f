// How each gridcnn layer and architecture becomes ONNX nodes (opset 17). Initialisers carry the parameter paths of
// `Layer.parameters` ("down.0.conv1.weight"), so an exported graph names its weights as the checkpoint and the
// PyTorch key mapping do. A layer without a rule here is refused with one line, never exported approximately.
import Foundation
import GridTensor
import GridNN
import GridModels

struct ONNXLayerEmitter {
    let g: ONNXGraphBuilder

    /// Emits `layer` at parameter path `path` on value `x` of tensor rank `rank`; returns the output value.
    func emit(_ layer: any Layer, _ path: String, _ x: String, rank: inout Int) throws -> String {
        func sub(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        switch layer {
        case let s as Sequential:
            var h = x
            for (i, l) in s.layers.enumerated() { h = try emit(l, sub("\(i)"), h, rank: &rank) }
            return h
        case let c as Conv: return try conv(c, path, x)
        case let c as ConvTranspose: return convTranspose(c, path, x)
        case let a as Activation: return try activation(a.kind, path, x, rank: rank)
        case let b as BatchNorm: return batchNorm(b, path, x)
        case let l as Linear: return linear(l, path, x, rank: rank)
        case let m as MaxOut:
            let y = linear(m.linear, sub("linear"), x, rank: rank)
            let shape = g.int64s(sub("pieces_shape"), [Int](repeating: 0, count: rank - 1) + [m.outFeatures, m.pieces])
            let r = g.node("Reshape", [y, shape], sub("pieces"))
            return g.node("ReduceMax", [r], sub("max"), [.ints("axes", [rank]), .int("keepdims", 0)])
        case let p as MaxPool:
            let r = rank - 2
            return g.node("MaxPool", [x], sub("maxpool"), [
                .ints("kernel_shape", expandToRank(p.kernel, r, "kernel")),
                .ints("strides", expandToRank(p.stride ?? p.kernel, r, "stride")),
                .ints("pads", expandToRank(p.padding, r, "padding") + expandToRank(p.padding, r, "padding"))])
        case let p as AvgPool:
            let r = rank - 2
            return g.node("AveragePool", [x], sub("avgpool"), [
                .ints("kernel_shape", expandToRank(p.kernel, r, "kernel")),
                .ints("strides", expandToRank(p.stride ?? p.kernel, r, "stride")),
                .ints("pads", expandToRank(p.padding, r, "padding") + expandToRank(p.padding, r, "padding")),
                .int("count_include_pad", p.countIncludePad ? 1 : 0)])
        case let p as GlobalAvgPool:
            let y = g.node("GlobalAveragePool", [x], sub("gap"))
            if p.keepDims { return y }
            rank = 2
            return g.node("Reshape", [y, g.int64s(sub("gap_shape"), [0, -1])], sub("gap_flat"))
        case let u as Upsample:
            let scales = g.floats(sub("scales"), [1, 1] + [Float](repeating: Float(u.scale), count: rank - 2), shape: [rank])
            let attrs: [ONNXAttribute] = u.mode == .nearest
                ? [.string("mode", "nearest"), .string("coordinate_transformation_mode", "asymmetric"), .string("nearest_mode", "floor")]
                : [.string("mode", "linear"), .string("coordinate_transformation_mode", "half_pixel")]
            return g.node("Resize", [x, "", scales], sub("upsample"), attrs)
        case let f as Flatten:
            let shape = g.int64s(sub("flat_shape"), [Int](repeating: 0, count: f.startAxis) + [-1])
            rank = f.startAxis + 1
            return g.node("Reshape", [x, shape], sub("flatten"))
        case let r as Reshape:
            rank = r.shape.count + 1
            return g.node("Reshape", [x, g.int64s(sub("shape"), [0] + r.shape)], sub("reshape"))
        case let n as LocalResponseNorm:
            // ONNX sums floor((size-1)/2) channels below and ceil above; gridcnn and PyTorch put the extra one below.
            guard n.size % 2 == 1 else { throw unsupported("local response norm of even size \(n.size)", path) }
            return g.node("LRN", [x], sub("lrn"), [.int("size", n.size), .float("alpha", n.alpha), .float("beta", n.beta), .float("bias", n.k)])
        case let p as PReLU:
            let slope = p.weight.value.reshaped([p.weight.value.count] + [Int](repeating: 1, count: max(rank - 2, 0)))
            return g.node("PRelu", [x, g.initializer(sub("weight"), slope)], sub("prelu"))
        case let r as Residual:
            var rb = rank, rs = rank
            let y = try emit(r.body, sub("body"), x, rank: &rb)
            let s = try r.shortcut.map { try emit($0, sub("shortcut"), x, rank: &rs) } ?? x
            rank = rb
            return g.node("Add", [y, s], sub("add"))
        case let c as Concat:
            var parts = [String](), r = rank
            for (i, b) in c.branches.enumerated() { r = rank; parts.append(try emit(b, sub("branches.\(i)"), x, rank: &r)) }
            rank = r
            return g.node("Concat", parts, sub("concat"), [.int("axis", c.axis)])
        case is Identity, is Dropout: return x
        case let m as SRCNN: return try srcnn(m, x, rank: &rank)
        case let m as UNet: return try unet(m, x, rank: &rank)
        case let b as UNetBlock: return try unetBlock(b, path, x)
        case let m as TDNN:
            let y = try emit(m.body, sub("body"), x, rank: &rank)
            guard m.config.sumOverTime else { return y }
            rank = 2
            return g.node("ReduceSum", [y, g.int64s("time_axis", [2])], sub("sum_over_time"), [.int("keepdims", 0)])
        case let m as WaveNet: return try wavenet(m, x)
        case let m as ConvNet:
            let h = try emit(m.features, sub("features"), x, rank: &rank)
            return try emit(m.classifier, sub("classifier"), h, rank: &rank)
        case let m as MaxOutNet: return try emit(m.body, sub("body"), x, rank: &rank)
        default:
            throw unsupported("layer \(layer.typeName)", path)
        }
    }

    private func unsupported(_ what: String, _ path: String) -> GridError {
        GridError("cannot export \(what)\(path.isEmpty ? "" : " at '\(path)'") to ONNX (not supported by the exporter)")
    }

    // MARK: layers

    private func conv(_ c: Conv, _ path: String, _ x: String) throws -> String {
        let cfg = c.config, r = cfg.spatialRank
        var attrs: [ONNXAttribute] = [.ints("kernel_shape", cfg.kernel), .ints("strides", cfg.stride),
                                      .ints("dilations", cfg.dilation), .int("group", cfg.groups)]
        let span = zip(cfg.dilation, cfg.kernel).map { $0 * ($1 - 1) }
        switch cfg.padding {
        case .valid: attrs.append(.ints("pads", [Int](repeating: 0, count: 2 * r)))
        case let .explicit(lo, hi): attrs.append(.ints("pads", lo + hi))
        case .causal: attrs.append(.ints("pads", span + [Int](repeating: 0, count: r)))
        case .same:
            if cfg.stride.allSatisfy({ $0 == 1 }) {
                // Total padding is the kernel span; the odd pixel goes to the high side (ConvGeometry's rule).
                attrs.append(.ints("pads", span.map { $0 / 2 } + span.map { $0 - $0 / 2 }))
            } else {
                attrs.append(.string("auto_pad", "SAME_UPPER"))
            }
        }
        var inputs = [x, g.initializer("\(path).weight", c.weight.value)]
        if let b = c.bias { inputs.append(g.initializer("\(path).bias", b.value)) }
        return g.node("Conv", inputs, "\(path).conv", attrs)
    }

    private func convTranspose(_ c: ConvTranspose, _ path: String, _ x: String) -> String {
        let cfg = c.config
        var inputs = [x, g.initializer("\(path).weight", c.weight.value)]
        if let b = c.bias { inputs.append(g.initializer("\(path).bias", b.value)) }
        return g.node("ConvTranspose", inputs, "\(path).convT", [
            .ints("kernel_shape", cfg.kernel), .ints("strides", cfg.stride), .ints("dilations", cfg.dilation),
            .ints("pads", cfg.padding + cfg.padding), .ints("output_padding", cfg.outputPadding), .int("group", cfg.groups)])
    }

    private func batchNorm(_ b: BatchNorm, _ path: String, _ x: String) -> String {
        let c = b.config.channels
        let scale = b.weight.map { g.initializer("\(path).weight", $0.value) } ?? g.floats("\(path).ones", [Float](repeating: 1, count: c), shape: [c])
        let shift = b.bias.map { g.initializer("\(path).bias", $0.value) } ?? g.floats("\(path).zeros", [Float](repeating: 0, count: c), shape: [c])
        let mean = g.initializer("\(path).runningMean", b.runningMean.value)
        let variance = g.initializer("\(path).runningVar", b.runningVar.value)
        return g.node("BatchNormalization", [x, scale, shift, mean, variance], "\(path).bn", [.float("epsilon", b.config.eps)])
    }

    private func linear(_ l: Linear, _ path: String, _ x: String, rank: Int) -> String {
        let w = g.initializer("\(path).weight", l.weight.value)
        let b = l.bias.map { g.initializer("\(path).bias", $0.value) }
        if rank == 2 {
            return g.node("Gemm", [x, w] + (b.map { [$0] } ?? []), "\(path).gemm", [.int("transB", 1)])
        }
        let wt = g.node("Transpose", [w], "\(path).weight_t", [.ints("perm", [1, 0])])
        let y = g.node("MatMul", [x, wt], "\(path).matmul")
        return b.map { g.node("Add", [y, $0], "\(path).add") } ?? y
    }

    func activation(_ kind: ActivationKind, _ path: String, _ x: String, rank: Int) throws -> String {
        let name = path.isEmpty ? "act" : path
        func scalar(_ v: Float, _ hint: String) -> String { g.floats("\(name).\(hint)", [v], shape: []) }
        switch kind {
        case .identity: return x
        case .relu: return g.node("Relu", [x], "\(name).relu")
        case .sigmoid: return g.node("Sigmoid", [x], "\(name).sigmoid")
        case .tanh: return g.node("Tanh", [x], "\(name).tanh")
        case .softplus: return g.node("Softplus", [x], "\(name).softplus")
        case let .leakyRelu(s): return g.node("LeakyRelu", [x], "\(name).leaky_relu", [.float("alpha", s)])
        case let .elu(a): return g.node("Elu", [x], "\(name).elu", [.float("alpha", a)])
        case let .softmax(axis): return g.node("Softmax", [x], "\(name).softmax", [.int("axis", axis)])
        case let .logSoftmax(axis): return g.node("LogSoftmax", [x], "\(name).log_softmax", [.int("axis", axis)])
        case .lecunTanh:
            // 1.7159 tanh(2x/3) (LeCun 1998).
            let t = g.node("Tanh", [g.node("Mul", [x, scalar(2.0 / 3.0, "two_thirds")], "\(name).scaled")], "\(name).tanh")
            return g.node("Mul", [t, scalar(1.7159, "amplitude")], "\(name).lecun_tanh")
        case .gelu:
            // x/2 (1 + erf(x / sqrt 2)): Gelu is an op only from opset 20.
            let e = g.node("Erf", [g.node("Mul", [x, scalar(Float(1 / 2.0.squareRoot()), "inv_sqrt2")], "\(name).scaled")], "\(name).erf")
            let one = g.node("Add", [e, scalar(1, "one")], "\(name).one_plus")
            return g.node("Mul", [g.node("Mul", [x, one], "\(name).x_times"), scalar(0.5, "half")], "\(name).gelu")
        case .geluTanh:
            // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
            let x3 = g.node("Mul", [g.node("Mul", [x, x], "\(name).x2"), x], "\(name).x3")
            let inner = g.node("Add", [x, g.node("Mul", [x3, scalar(0.044715, "c")], "\(name).cx3")], "\(name).inner")
            let t = g.node("Tanh", [g.node("Mul", [inner, scalar(Float((2 / Double.pi).squareRoot()), "k")], "\(name).scaled")], "\(name).tanh")
            let one = g.node("Add", [t, scalar(1, "one")], "\(name).one_plus")
            return g.node("Mul", [g.node("Mul", [x, one], "\(name).x_times"), scalar(0.5, "half")], "\(name).gelu")
        }
    }

    // MARK: architectures

    private func srcnn(_ m: SRCNN, _ x: String, rank: inout Int) throws -> String {
        let y = try emit(m.body, "body", x, rank: &rank)
        guard let r = m.config.residualChannel else { return y }
        let s = g.node("Slice", [x, g.int64s("residual_start", [r]), g.int64s("residual_end", [r + 1]), g.int64s("channel_axis", [1])],
                       "residual_channel")
        return g.node("Add", [y, s], "residual_add")
    }

    private func unetBlock(_ b: UNetBlock, _ path: String, _ x: String) throws -> String {
        var h = try conv(b.conv1, "\(path).conv1", x)
        if let bn1 = b.bn1 { h = batchNorm(bn1, "\(path).bn1", h) }
        h = g.node("Relu", [h], "\(path).relu1")
        h = try conv(b.conv2, "\(path).conv2", h)
        if let bn2 = b.bn2 { h = batchNorm(bn2, "\(path).bn2", h) }
        return g.node("Relu", [h], "\(path).relu2")
    }

    private func unet(_ m: UNet, _ x: String, rank: inout Int) throws -> String {
        var h = x, skips = [String]()
        for (i, block) in m.down.enumerated() {
            h = try unetBlock(block, "down.\(i)", h)
            skips.append(h)
            h = try emit(m.pool, "pool\(i)", h, rank: &rank)
        }
        h = try unetBlock(m.mid, "mid", h)
        for (i, (u, d)) in zip(m.up, m.dec).enumerated() {
            let upped = try emit(u, "up.\(i)", h, rank: &rank)
            let cat = g.node("Concat", [upped, skips.removeLast()], "concat\(i)", [.int("axis", 1)])
            h = try unetBlock(d, "dec.\(i)", cat)
        }
        return try conv(m.out, "out", h)
    }

    private func wavenet(_ m: WaveNet, _ x: String) throws -> String {
        guard m.config.conditionChannels == 0 else { throw unsupported("a conditioned WaveNet", "") }
        var h = try conv(m.inp, "inp", x)
        var skips: String?
        for i in 0..<m.filt.count {
            let f = g.node("Tanh", [try conv(m.filt[i], "filt.\(i)", h)], "filt.\(i).tanh")
            let gt = g.node("Sigmoid", [try conv(m.gate[i], "gate.\(i)", h)], "gate.\(i).sigmoid")
            let z = g.node("Mul", [f, gt], "gated.\(i)")
            let s = try conv(m.skipc[i], "skipc.\(i)", z)
            skips = skips.map { g.node("Add", [$0, s], "skips.\(i)") } ?? s
            h = g.node("Add", [h, try conv(m.resc[i], "resc.\(i)", z)], "residual.\(i)")
        }
        guard let skips else { throw unsupported("a WaveNet without layers", "") }
        let a = g.node("Relu", [skips], "skips.relu")
        let b = g.node("Relu", [try conv(m.o1, "o1", a)], "o1.relu")
        return try conv(m.o2, "o2", b)
    }
}
