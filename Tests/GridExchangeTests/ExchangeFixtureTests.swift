// The committed fixtures of scripts/exchange/check_exchange.py (one folder per model kind: the PyTorch module's
// state_dict as safetensors, its model spec, and an input with PyTorch's and onnxruntime's outputs on it): the
// import gives PyTorch's numbers, and the ONNX export decodes back to a graph whose every node input is defined,
// whose initialisers are exactly the model's weights, and whose metadata carry the task record.
import Foundation
import Testing
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridTrain
@testable import GridExchange

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let fixtureCases = ["srcnn", "unet", "unet-upsample", "jetcnn", "maxout", "tdnn", "wavenet"]

/// max |a - b| <= tol * max(1, max |b|) (the check script's tolerance).
func close(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4) -> Bool {
    let x = a.contiguous().scalars, y = b.contiguous().scalars
    let scale = max(1, y.map(abs).max() ?? 0)
    return a.shape == b.shape && zip(x, y).allSatisfy { abs($0 - $1) <= tol * scale }
}

func loadCase(_ name: String) throws -> (Checkpoint, Module, SafeTensors) {
    let dir = fixtures.appendingPathComponent(name)
    let spec = try TorchImport.SpecFile.read(dir.appendingPathComponent("spec.json").path)
    let weights = try SafeTensors.read(dir.appendingPathComponent("weights.safetensors").path)
    let (ck, _) = try TorchImport.checkpoint(weights: weights, spec: spec, stripPrefix: nil, version: "test")
    let model = try ck.model.build()
    try ck.restore(into: model)
    model.eval()
    return (ck, model, try SafeTensors.read(dir.appendingPathComponent("io.safetensors").path))
}

@Suite struct ExchangeFixtureTests {
    @Test(arguments: fixtureCases) func importedModelGivesPyTorchOutputs(_ name: String) throws {
        let (_, model, io) = try loadCase(name)
        let y = GradMode.withNoGrad { model(Variable(try! io.tensor("input"))).value }
        #expect(close(y, try io.tensor("torch_output")), "\(name)")
        #expect(close(y, try io.tensor("onnxruntime_output")), "\(name)")
    }

    @Test(arguments: fixtureCases) func exportDecodesToAWellFormedGraph(_ name: String) throws {
        let (ck, model, _) = try loadCase(name)
        let (proto, _) = try ONNXExport.model(of: ck, version: "test")
        let back = try Onnx_ModelProto(serializedBytes: try proto.serializedData())
        #expect(back.opsetImport.first?.version == ONNXExport.opset && back.irVersion == ONNXExport.irVersion)
        let g = back.graph
        #expect(g.input.map(\.name) == ["input"] && g.output.map(\.name) == ["output"])
        #expect(g.input[0].type.tensorType.shape.dim.count == ONNXExport.sampleShape(ck.model).count + 1)
        // Every weight and batch-norm statistic is an initialiser under its gridcnn name, with the same numbers.
        let state = model.stateDict()
        let inits = Dictionary(uniqueKeysWithValues: g.initializer.map { ($0.name, $0) })
        for (key, t) in state {
            guard let p = inits[key] else { Issue.record("\(name): no initialiser \(key)"); continue }
            let back = try ONNXTensors.tensor(fromSerialized: try p.serializedData()).tensor
            #expect(back.shape == t.shape && back.scalars == t.contiguous().scalars, "\(name): \(key)")
        }
        // Topological order: each node reads only the input, initialisers or earlier outputs ("" = absent optional).
        var defined = Set(["input", ""] + g.initializer.map(\.name))
        for node in g.node {
            for i in node.input { #expect(defined.contains(i), "\(name): \(node.opType) \(node.name) reads undefined \(i)") }
            node.output.forEach { defined.insert($0) }
        }
        #expect(defined.contains("output"))
        let meta = Dictionary(uniqueKeysWithValues: back.metadataProps.map { ($0.key, $0.value) })
        #expect(meta["gridcnn.task"] == "imported" && meta["gridcnn.model_kind"] == ck.model.kind)
        #expect(meta["task.note"] == "check_exchange.py case \(name)")
        #expect(try ModelSpec(from: meta["gridcnn.model_spec"]!) == ck.model)
    }
}

extension ModelSpec {
    init(from json: String) throws { self = try JSONDecoder().decode(ModelSpec.self, from: Data(json.utf8)) }
}
