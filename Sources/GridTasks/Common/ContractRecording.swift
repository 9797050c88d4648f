// Recording a data contract in a checkpoint made before contracts existed, from the file it was trained on: the
// weights, the checksum over tensors and everything else stay as they are; only the task record gains the contract.
import Foundation
import GridTrain

/// What `gridcnn contract` needs to record a data contract in a checkpoint that was saved without one (detect and
/// classify checkpoints): the checkpoint, the file it was trained on, and where to write the result.
public struct ContractRecordRequest {
    /// The checkpoint (HDF5) to read.
    public var model: String
    /// The file the model was trained on.
    public var input: String
    /// Where the new checkpoint goes; it may be `model` itself when `output.overwrite` is set.
    public var output: OutputSettings
    /// A request writing to `output` without replacing an existing file (history "gridcnn contract").
    public init(model: String, input: String, output: String) {
        self.model = model; self.input = input; self.output = OutputSettings(path: output, history: "gridcnn contract")
    }
}

/// What `ContractRecording.run` did (printed by `gridcnn contract --json`).
public struct ContractRecordReport: Codable {
    /// The checkpoint's task ("detect" or "classify").
    public var task: String
    /// The contract measured on the training file and stored in the new checkpoint.
    public var contract: DataContract
    /// The checkpoint written.
    public var output: String
}

/// `gridcnn contract`: adds a data contract to an older checkpoint. The weights, the tensor checksum and the rest of
/// the task record stay as they are; only the record gains `dataContract`.
public enum ContractRecording {
    /// Loads `r.model`, measures the contract on `r.input` as training would have (variables, grid, channel statistics;
    /// for jets the mean image) and writes the checkpoint to `r.output.path` atomically. Prints nothing.
    /// - Throws: `TaskError` when the output exists without `overwrite`, the checkpoint cannot be read, its task is not
    /// detect or classify, or the training file does not fit the checkpoint's record.
    public static func run(_ r: ContractRecordRequest) throws -> ContractRecordReport {
        let replacing = URL(fileURLWithPath: r.output.path).standardizedFileURL == URL(fileURLWithPath: r.model).standardizedFileURL
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it\(replacing ? " (the checkpoint itself)" : "")")
        }
        var ck = try Checkpoint.load(r.model)
        let contract: DataContract
        switch ck.task {
        case "detect":
            var spec = try ck.spec(DetectSpec.self)
            contract = try DetectContract.record(spec, trainingFile: r.input)
            spec.dataContract = contract
            ck.taskSpec = try jsonString(spec)
        case "classify":
            var spec = try ck.spec(ClassifySpec.self)
            contract = try ClassifyContract.record(spec, checkpoint: ck, trainingFile: r.input)
            spec.dataContract = contract
            ck.taskSpec = try jsonString(spec)
        default:
            throw TaskError("\(r.model): recording a data contract is not supported for '\(ck.task)' checkpoints yet (detect, classify)")
        }
        try ck.save(to: r.output.path, overwrite: r.output.overwrite)
        return ContractRecordReport(task: ck.task, contract: contract, output: r.output.path)
    }
}
