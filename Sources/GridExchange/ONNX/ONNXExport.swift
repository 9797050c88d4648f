// `gridcnn export`: a checkpoint as an ONNX model (opset 17) for ONNX Runtime, TensorRT or Netron. The graph is the
// evaluation-mode network (batch norm with running statistics, dropout gone); the task's record (normalisation,
// variables, units, classes) travels as metadata_props so a deployment can preprocess inputs as gridcnn does.
import Foundation
import SwiftProtobuf
import GridTensor
import GridAutograd
import GridNN
import GridModels
import GridIO
import GridTrain

/// `gridcnn export`: a checkpoint as an ONNX model for ONNX Runtime, TensorRT or Netron. The graph is the
/// evaluation-mode network (batch norm on running statistics, dropout removed) with a symbolic batch axis (and
/// symbolic grid or time axes for fully convolutional models); the task's record travels as `metadata_props`.
public enum ONNXExport {
    /// The ONNX operator set the graph uses.
    public static let opset: Int64 = 17
    /// IR version 8 goes with opset 17 (ONNX's versioning table).
    public static let irVersion: Int64 = 8

    /// What the export wrote, for the CLI's line or JSON.
    public struct Report: Codable, Sendable {
        /// The ONNX file written.
        public var output: String
        /// The architecture (`ModelSpec` kind).
        public var modelKind: String
        /// The task the checkpoint was trained for.
        public var task: String
        /// The operator set (17).
        public var opset: Int
        /// Nodes in the graph.
        public var nodes: Int
        /// Initialiser tensors (weights, biases, running statistics, constants).
        public var initializers: Int
        /// Scalars in the model's parameters.
        public var parameters: Int
        /// The input's dimensions, symbolic ones by name (`N`, `H`, `W`).
        public var inputShape: [String]
        /// The output's dimensions, symbolic ones by name.
        public var outputShape: [String]
        /// The `metadata_props` keys written (task, model, the task's record, ...).
        public var metadataKeys: [String]
        /// The ONNX test data folder written, if asked for.
        public var testData: String?
    }

    /// The ONNX model of a loaded checkpoint and the network it was built from (evaluation mode).
    static func model(of ck: Checkpoint, version: String) throws -> (Onnx_ModelProto, Module) {
        let net: Module
        do { net = try ck.model.build(); try ck.restore(into: net) } catch { throw GridError("cannot rebuild the model: \(error)") }
        net.eval()
        let g = ONNXGraphBuilder()
        let input = g.fresh("input")
        var rank = sampleShape(ck.model).count + 1
        let out = try ONNXLayerEmitter(g: g).emit(net, "", input, rank: &rank)
        // The graph output gets a stable name (Identity keeps the last node's own name readable).
        let output = g.node("Identity", [out], "output")

        // Output shape from a forward pass on a sample; spatial sizes that follow the input stay symbolic.
        let sample = sampleInput(ck.model, batch: 1)
        let y = GradMode.withNoGrad { net(Variable(sample)).value }
        let free = freeAxes(ck.model)
        var inDims = ["N"] + sample.shape.dropFirst().map(String.init)
        for (i, name) in free { inDims[i] = name }
        var outDims = ["N"] + y.shape.dropFirst().map(String.init)
        if !free.isEmpty {
            // SRCNN, UNet and WaveNet keep the grid (or time axis): same names; otherwise sizes of their own.
            let keepsGrid = outDims.count == inDims.count && ["srcnn", "unet", "wavenet"].contains(ck.model.kind)
            for i in 2..<max(outDims.count, 2) { outDims[i] = keepsGrid ? inDims[i] : "out_\(i)" }
        }

        var graph = Onnx_GraphProto()
        graph.name = "gridcnn_\(ck.model.kind)"
        graph.node = g.nodes
        graph.initializer = g.initializers
        graph.input = [valueInfo(input, inDims)]
        graph.output = [valueInfo(output, outDims)]
        graph.docString = "gridcnn \(ck.model.kind) for task '\(ck.task)'; input [\(inDims.joined(separator: ", "))]"

        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = opset
        m.opsetImport = [opsetID]
        m.producerName = "gridcnn"
        m.producerVersion = version
        m.domain = "org.gridcnn"
        m.modelVersion = 1
        m.docString = graph.docString
        m.graph = graph
        m.metadataProps = metadata(ck).map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k; e.value = v
            return e
        }
        return (m, net)
    }

    /// Exports `checkpoint` to `output` (atomically; an existing file only with `overwrite`). With `testData`, also
    /// writes an ONNX test data set there (test_data_set_0/input_0.pb, output_0.pb: a seeded input and gridcnn's
    /// own output on it), the layout onnx's backend tests and the check script read.
    /// `testInput`: a TensorProto file (onnx.numpy_helper.from_array(...).SerializeToString()) to use as the test
    /// data's input instead of the seeded one, so gridcnn's output can be compared with another runtime's on any input.
    public static func run(checkpoint path: String, output: String, overwrite: Bool, testData: String?, testInput: String? = nil,
                           version: String) throws -> Report {
        if testInput != nil && testData == nil { throw GridError("--test-input needs --test-data DIR (where gridcnn's output goes)") }
        let ck = try Checkpoint.load(path)
        let (proto, net) = try model(of: ck, version: version)
        // The test input is checked and run before anything is written, so a bad one leaves no model behind.
        let test = try testData.map { _ -> (Tensor, Tensor) in
            let x = try testInput.map { try readInput($0, for: ck.model) } ?? sampleInput(ck.model, batch: 2)
            return (x, GradMode.withNoGrad { net(Variable(x)).value })
        }
        let bytes: Data
        do { bytes = try proto.serializedData() } catch { throw GridError("\(output): cannot encode the ONNX model: \(error)") }
        try writeFileAtomically(bytes, to: output, overwrite: overwrite)
        var testDir: String?
        if let dir = testData, let (x, y) = test.map({ ($0.0, $0.1) }) {
            let set = (dir as NSString).appendingPathComponent("test_data_set_0")
            do { try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true) } catch {
                throw GridError("\(set): cannot create (\((error as NSError).localizedDescription))", path: set)
            }
            try writeFileAtomically(try ONNXTensors.serialized(x, name: "input"), to: set + "/input_0.pb")
            try writeFileAtomically(try ONNXTensors.serialized(y, name: "output"), to: set + "/output_0.pb")
            testDir = set
        }
        func dims(_ v: Onnx_ValueInfoProto) -> [String] {
            v.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
        }
        return Report(output: output, modelKind: ck.model.kind, task: ck.task, opset: Int(opset), nodes: proto.graph.node.count,
                      initializers: proto.graph.initializer.count, parameters: net.parameterCount,
                      inputShape: dims(proto.graph.input[0]), outputShape: dims(proto.graph.output[0]),
                      metadataKeys: proto.metadataProps.map(\.key), testData: testDir)
    }

    // MARK: shapes and samples

    /// A test input from a TensorProto file, checked against what the network takes (a wrong shape would stop the
    /// forward pass with a precondition).
    static func readInput(_ path: String, for spec: ModelSpec) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GridError("\(path): cannot read (\((error as NSError).localizedDescription))", path: path)
        }
        let x: Tensor
        do { x = try ONNXTensors.tensor(fromSerialized: data).tensor } catch let e as GridError {
            throw GridError("\(path): \(e.description)", path: path)
        } catch {
            throw GridError("\(path): not an ONNX TensorProto (\(error))", path: path)
        }
        let sample = sampleShape(spec)
        if flattensInput(spec) {
            guard x.shape.count >= 2, x.shape.dropFirst().reduce(1, *) == sample.reduce(1, *), x.scalars.allSatisfy({ $0.isFinite }) else {
                throw GridError("\(path): input \(shapeDescription(x.shape)) does not hold \(sample.reduce(1, *)) finite values per sample for the \(spec.kind) model", path: path)
            }
            return x
        }
        let freeAxes = Set(freeAxes(spec).map(\.0))
        let fits = x.shape.count == sample.count + 1 && x.shape[0] >= 1 && x.shape.dropFirst().enumerated().allSatisfy { i, n in
            freeAxes.contains(i + 1) ? n >= 1 && n % spec.inputMultiple == 0 : n == sample[i]
        }
        guard fits, x.scalars.allSatisfy({ $0.isFinite }) else {
            let want = ["N"] + sample.enumerated().map { freeAxes.contains($0.offset + 1) ? "*" : String($0.element) }
            throw GridError("\(path): input \(shapeDescription(x.shape)) does not fit the \(spec.kind) model's [\(want.joined(separator: ", "))]" +
                            (spec.inputMultiple > 1 ? " (free sizes multiples of \(spec.inputMultiple))" : "") + " or holds NaN/Inf", path: path)
        }
        if case .tdnn(let c) = spec, x.shape[2] <= c.contextFrames {
            throw GridError("\(path): the TDNN needs more than \(c.contextFrames) frames, got \(x.shape[2])", path: path)
        }
        return x
    }

    /// One sample's input shape for the test data (small where the architecture leaves sizes free).
    static func sampleShape(_ spec: ModelSpec) -> [Int] {
        switch spec {
        case .srcnn(let c): return [c.inChannels] + [Int](repeating: c.spatialRank == 3 ? 12 : 32, count: c.spatialRank)
        case .unet(let c): return [c.inChannels] + [Int](repeating: 2 << c.depth, count: c.spatialRank)
        case .wavenet(let c): return [c.classes, 300]
        default: return spec.summaryInputShape
        }
    }

    /// Input axes (with the batch axis at 0) that the network leaves free, named as ONNX dim_params.
    static func freeAxes(_ spec: ModelSpec) -> [(Int, String)] {
        let rank = sampleShape(spec).count - 1
        let names = rank == 1 ? ["T"] : (rank == 2 ? ["H", "W"] : ["D", "H", "W"])
        switch spec {
        case .srcnn, .unet, .wavenet, .tdnn, .resnet34: return names.enumerated().map { ($0.offset + 2, $0.element) }
        default: return []
        }
    }

    /// A seeded input: standard normal values, or one-hot codes for WaveNet.
    static func sampleInput(_ spec: ModelSpec, batch: Int) -> Tensor {
        let shape = [batch] + sampleShape(spec)
        var rng = SeededGenerator(seed: 20_240_521)
        guard case .wavenet(let c) = spec else { return Tensor.normal(shape, rng: &rng) }
        let t = shape[2]
        var v = [Float](repeating: 0, count: shape.reduce(1, *))
        for n in 0..<batch { for i in 0..<t { v[(n * c.classes + Int(rng.next() % UInt64(c.classes))) * t + i] = 1 } }
        return Tensor(shape: shape, scalars: v)
    }

    static func flattensInput(_ spec: ModelSpec) -> Bool { if case .maxout = spec { return true } else { return false } }

    /// A float tensor value; nil dims leave the shape (and rank) unstated.
    static func valueInfo(_ name: String, _ dims: [String]?) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = ONNXDataType.float.rawValue
        if let dims {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if let v = Int64(d) { dim.dimValue = v } else { dim.dimParam = d }
                return dim
            }
            tensor.shape = shape
        }
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = type
        return v
    }

    // MARK: metadata

    /// gridcnn.* keys for the checkpoint and model, and task.<key> for each top-level field of the task's record
    /// (text as it is, anything else as compact JSON), so `onnx.load(...).metadata_props` reads like the record.
    static func metadata(_ ck: Checkpoint) -> [(String, String)] {
        var out: [(String, String)] = [
            ("gridcnn.task", ck.task), ("gridcnn.model_kind", ck.model.kind),
            ("gridcnn.model_spec", (try? jsonString(ck.model)) ?? ""), ("gridcnn.task_spec", ck.taskSpec),
            ("gridcnn.version", ck.gridcnnVersion), ("gridcnn.checkpoint_sha256", ck.contentChecksum),
            ("gridcnn.input_layout", inputLayout(ck.model)),
        ]
        if let obj = (try? JSONSerialization.jsonObject(with: Data(ck.taskSpec.utf8))) as? [String: Any] {
            for key in obj.keys.sorted() {
                let v = obj[key]!
                if let s = v as? String { out.append(("task.\(key)", s)); continue }
                if let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
                    out.append(("task.\(key)", String(decoding: d, as: UTF8.self)))
                }
            }
        }
        if !ck.extras.isEmpty {
            out.append(("gridcnn.extra_tensors", ck.extras.keys.sorted().map { "\($0)\(ck.extras[$0]!.shape)" }.joined(separator: ", ")))
        }
        return out
    }

    static func inputLayout(_ spec: ModelSpec) -> String {
        switch spec {
        case .wavenet(let c): return "one-hot codes [N, \(c.classes), T] (mu-law classes), logits out [N, \(c.classes), T]"
        case .tdnn(let c): return "features [N, \(c.channels[0]), T] (coefficients x frames)"
        case .maxout(let c): return "[N, \(c.inFeatures)]: images flattened row-major first (the classify job's [N, 1, H, W])"
        case .srcnn(let c): return "fields [N, \(c.inChannels), " + (c.spatialRank == 3 ? "D, H, W]" : "H, W]") + " standardised as task.* says"
        case .unet(let c): return "fields [N, \(c.inChannels), " + (c.spatialRank == 3 ? "D, H, W]" : "H, W]") + ", sizes divisible by \(1 << c.depth)"
        default: return "[N] + \(spec.summaryInputShape)"
        }
    }
}
