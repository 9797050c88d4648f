// Forward values and gradients of every op against PyTorch 2.13 (fixtures committed with their script).
import Testing
import GridTensor
@testable import GridAutograd

/// Runs one fixture case: returns the op's output and the Variables whose gradients the fixture holds.
func evaluate(_ c: FixtureCase) -> (Variable, [String: Variable]) {
    var v = [String: Variable]()
    for (k, t) in c.inputs { v[k] = Variable(t.tensor, requiresGrad: c.grads?[k] != nil) }
    let x = v["x"]!
    let dims = c.int("dims", 2)
    switch c.op {
    case "conv":
        let y = Variable.conv(x, v["w"]!, bias: v["b"], stride: c.ints("stride"),
                              padding: .explicit(lo: c.ints("padding_lo"), hi: c.ints("padding_hi")),
                              dilation: c.ints("dilation"), groups: c.int("groups", 1), allowFloor: true)
        return (y, v)
    case "conv_transpose":
        let y = Variable.convTranspose(x, v["w"]!, bias: v["b"], stride: c.ints("stride"), padding: c.ints("padding"),
                                       outputPadding: c.ints("output_padding"), dilation: c.ints("dilation"), groups: c.int("groups", 1))
        return (y, v)
    case "max_pool":
        return (x.maxPooled(kernel: c.ints("kernel"), stride: c.ints("stride"), padding: c.ints("padding")), v)
    case "max_unpool":
        let out = c.ints("output_size")
        let g = try! ConvGeometry.pooling(batch: x.shape[0], channels: x.shape[1], input: out, kernel: c.ints("kernel"), stride: c.ints("stride"))
        let idx = c.inputs["indices"]!.data.map { Int64($0) }
        return (x.maxUnpooled(indices: idx, geometry: g), v)
    case "avg_pool":
        return (x.avgPooled(kernel: c.ints("kernel"), stride: c.ints("stride"), padding: c.ints("padding"),
                            countIncludePad: c.bool("count_include_pad")), v)
    case "adaptive_avg_pool_global":
        return (x.globalAvgPooled().reshaped(x.shape.prefix(2) + [1, 1]), v)
    case "upsample":
        return (x.upsampled(scale: c.ints("scale")[0], mode: c.string("mode") == "nearest" ? .nearest : .linear), v)
    case "pad":
        let mode: AxisTaps.PadMode = c.string("mode") == "reflect" ? .reflect : c.string("mode") == "replicate" ? .replicate : .zero
        return (x.padded(lo: c.ints("pad_lo"), hi: c.ints("pad_hi"), mode: mode, value: Float(c.double("value"))), v)
    case "relu": return (x.relu(), v)
    case "leaky_relu": return (x.leakyRelu(Float(c.double("negative_slope"))), v)
    case "elu": return (x.elu(Float(c.double("alpha", 1))), v)
    case "gelu": return (x.gelu(), v)
    case "gelu_tanh": return (x.geluTanh(), v)
    case "sigmoid": return (x.sigmoid(), v)
    case "tanh": return (x.tanh(), v)
    case "softmax": return (x.softmax(axis: c.int("dim", 1)), v)
    case "log_softmax": return (x.logSoftmax(axis: c.int("dim", 1)), v)
    case "softplus": return (x.softplus(), v)
    case "lecun_tanh": return (x.lecunTanh(), v)
    case "batch_norm":
        var rm = c.inputs["running_mean"]!.tensor, rv = c.inputs["running_var"]!.tensor
        let y = x.batchNorm(gamma: v["weight"]!, beta: v["bias"]!, runningMean: &rm, runningVar: &rv,
                            training: c.bool("training"), momentum: Float(c.double("momentum")), eps: Float(c.double("eps")))
        #expect(excess(rm, c.output.running_mean_after!.tensor) <= 0, "running mean of \(c.name)")
        #expect(excess(rv, c.output.running_var_after!.tensor) <= 0, "running var of \(c.name)")
        return (y, v)
    case "local_response_norm":
        return (x.localResponseNorm(size: c.int("size"), alpha: Float(c.double("alpha")), beta: Float(c.double("beta")), k: Float(c.double("k"))), v)
    case "mse": return (Loss.mse(x, v["target"]!), v)
    case "l1": return (Loss.mae(x, v["target"]!), v)
    case "mse_masked": return (Loss.mse(x, v["target"]!, mask: c.inputs["mask"]!.tensor), v)
    case "l1_masked": return (Loss.mae(x, v["target"]!, mask: c.inputs["mask"]!.tensor), v)
    case "cross_entropy":
        return (Loss.crossEntropy(x, targets: c.inputs["target"]!.ints, classWeights: c.inputs["weight"]?.tensor.scalars,
                                  ignoreIndex: c.int("ignore_index", -100), labelSmoothing: Float(c.double("label_smoothing"))), v)
    case "bce_with_logits":
        return (Loss.bceWithLogits(x, c.inputs["target"]!.tensor, posWeight: c.inputs["pos_weight"]?.tensor), v)
    case "soft_dice": return (Loss.softDice(x, c.inputs["target"]!.tensor, smooth: Float(c.double("smooth", 1))), v)
    case "matmul": return (Variable.matmul(x, v["y"]!), v)
    case "sum": return (x.sum(axes: c.ints("axes"), keepDims: c.bool("keepdim")), v)
    case "mean": return (x.mean(axes: c.ints("axes"), keepDims: c.bool("keepdim")), v)
    case "max": return (x.max(axes: c.ints("axes"), keepDims: c.bool("keepdim")), v)
    case "var": return (x.variance(axes: c.ints("axes"), keepDims: c.bool("keepdim")), v)
    case "logsumexp": return (x.logSumExp(axes: c.ints("axes"), keepDims: c.bool("keepdim")), v)
    default:
        Issue.record("no evaluator for op \(c.op)")
        return (x, v)
    }
}

@Suite struct TorchReferenceTests {
    static let cases = loadTorchFixtures()

    @Test func fixturesArePresent() {
        #expect(Self.cases.count > 100, "Tests/Fixtures/torch_reference.json missing or unreadable")
    }

    @Test(arguments: TorchReferenceTests.cases)
    func forwardAndGradientsMatchPyTorch(_ c: FixtureCase) {
        let (y, vars) = evaluate(c)
        #expect(y.shape == c.output.shape, "shape of \(c.name): \(y.shape) vs \(c.output.shape)")
        let e = excess(y.value, c.output.tensor)
        #expect(e <= 0, "forward of \(c.name) off by \(e)")
        if let idx = c.output.indices, c.op == "max_pool" {
            let (_, got, _) = vars["x"]!.maxPool(kernel: c.ints("kernel"), stride: c.ints("stride"), padding: c.ints("padding"))
            #expect(got.map { Int($0) } == idx.ints, "indices of \(c.name)")
        }
        guard let grads = c.grads, !grads.isEmpty else { return }
        y.backward(c.upstream.tensor.reshaped(y.shape))
        for (k, g) in grads {
            guard let got = vars[k]?.grad else { Issue.record("no gradient for \(k) in \(c.name)"); continue }
            let ge = excess(got, g.tensor, rtol: 1e-3, atol: 1e-4)
            #expect(ge <= 0, "gradient of \(k) in \(c.name) off by \(ge)")
        }
    }
}
