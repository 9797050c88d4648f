// `gridcnn export` (checkpoint -> ONNX) and `gridcnn import` (PyTorch safetensors -> checkpoint): the formats the
// tools around gridcnn speak. The work is in GridExchange; these map flags and print the report.
import ArgumentParser
import Foundation
import GridExchange
import GridTasks

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's network as an ONNX model (opset 17) with the task's preprocessing as metadata.",
        discussion: """
            Every model kind the jobs train exports: SRCNN and UNet (downscale, detect), the jet CNN, patch CNN and \
            maxout (classify, detect), TDNN (syllables) and WaveNet (sequence). The graph is the evaluation-mode \
            network; metadata_props carry gridcnn.task, gridcnn.model_spec, gridcnn.task_spec and one task.<field> \
            per field of the task's record (normalisation, variables, units, classes). Spatial and time sizes stay \
            symbolic where the network allows any. --test-data DIR also writes an ONNX test data set \
            (DIR/test_data_set_0/input_0.pb, output_0.pb) holding a seeded input and gridcnn's own output on it.

            Examples:
              gridcnn export --model models/downscale-srcnn.h5 --output srcnn.onnx
              gridcnn export --model jets.h5 --output jets.onnx --test-data jets-onnx-test --json
            """)

    @Option(help: "The checkpoint (from `gridcnn train` or `gridcnn import`).") var model: String
    @Option(help: "The ONNX file to write.") var output: String
    @Option(help: "Also write an ONNX test data set (input and gridcnn's output) into this folder.") var testData: String?
    @Option(help: "With --test-data: the input to use (an ONNX TensorProto .pb file) instead of a seeded one.") var testInput: String?
    @Flag(help: "Replace an existing output (only once the new one is complete).") var overwrite = false
    @Flag(help: "Print JSON: output, model_kind, task, opset, nodes, initializers, parameters, input_shape, output_shape, metadata_keys, test_data.") var json = false

    func run() throws {
        try runJob {
            let r = try ONNXExport.run(checkpoint: model, output: output, overwrite: overwrite, testData: testData,
                                         testInput: testInput, version: gridcnnVersion)
            if json { try printJSON(r); return }
            print("\(r.output): ONNX opset \(r.opset), \(r.modelKind) (\(r.task)), \(r.nodes) nodes, \(r.parameters) parameters, " +
                  "input [\(r.inputShape.joined(separator: ", "))] -> output [\(r.outputShape.joined(separator: ", "))]" +
                  (r.testData.map { "; test data in \($0)" } ?? ""))
        }
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a gridcnn checkpoint from PyTorch weights (safetensors) and a model spec.",
        discussion: """
            --model-spec is JSON: a model spec {"kind": "srcnn", "config": {...}} (as checkpoints \
            store it; `gridcnn export` shows it as the metadata gridcnn.model_spec), or {"model": {...}, "task": \
            "downscale", "task_spec": {...}} to make a checkpoint \
            that the task's apply and evaluate commands take. Keys are PyTorch module paths; docs/pytorch-weights.md \
            gives the PyTorch module of each model kind. F32, F16, BF16 and F64 weights are read; a missing, extra or \
            misshapen tensor is an error that names it.

            Examples:
              gridcnn import --from srcnn.safetensors --model-spec srcnn-spec.json --output srcnn.h5
              gridcnn import --from lightning.safetensors --strip-prefix model. --model-spec spec.json --output m.h5
            """)

    @Option(name: .customLong("from"), help: "The PyTorch state_dict as a .safetensors file.") var from: String
    @Option(help: "JSON model spec (and optionally task and task record).") var modelSpec: String
    @Option(help: "The checkpoint to write.") var output: String
    @Option(help: "Drop this prefix from every key (e.g. 'model.' of a Lightning module); keys without it are ignored.") var stripPrefix: String?
    @Option(help: "With --test-data: the input to use (an ONNX TensorProto .pb file) instead of a seeded one.") var testInput: String?
    @Flag(help: "Replace an existing output (only once the new one is complete).") var overwrite = false
    @Flag(help: "Print JSON: output, model_kind, task, tensors, parameters, ignored, converted_from.") var json = false

    /// The record each task's apply path decodes; an imported checkpoint for it must carry one that decodes.
    static func checkTaskRecord(_ task: String, _ record: String) throws {
        func decodes<T: Decodable>(_ type: T.Type) throws {
            do { _ = try JSONDecoder().decode(type, from: Data(record.utf8)) } catch {
                throw ValidationError("task_spec is not a \(task) record (\(error)); copy it from a checkpoint of that task (gridcnn export writes it as gridcnn.task_spec)")
            }
        }
        switch task {
        case "downscale": try decodes(DownscaleSpec.self)
        case "detect": try decodes(DetectSpec.self)
        case "classify": try decodes(ClassifySpec.self)
        case "sequence": try decodes(SequenceSpec.self)
        case "syllables": try decodes(SyllableSpec.self)
        default: break  // another name ("imported"): the checkpoint serves export and summary only
        }
    }

    func run() throws {
        try runJob {
            let r = try TorchImport.run(weights: from, specPath: modelSpec, output: output, overwrite: overwrite,
                                        stripPrefix: stripPrefix, version: gridcnnVersion, checkTask: Self.checkTaskRecord)
            if json { try printJSON(r); return }
            print("\(r.output): \(r.modelKind) for task '\(r.task)', \(r.tensors) tensors (\(r.convertedFrom.joined(separator: ", "))), " +
                  "\(r.parameters) parameters" + (r.ignored.isEmpty ? "" : "; ignored: \(r.ignored.joined(separator: ", "))"))
        }
    }
}
