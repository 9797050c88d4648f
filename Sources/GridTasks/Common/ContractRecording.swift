// Recording a data contract in a checkpoint made before contracts existed, from the file it was trained on: the
// weights, the checksum over tensors and everything else stay as they are; only the task record gains the contract.
import Foundation
import GridTrain

public struct ContractRecordRequest {
    public var model: String
    /// The file the model was trained on.
    public var input: String
    public var output: OutputSettings
    public init(model: String, input: String, output: String) {
        self.model = model; self.input = input; self.output = OutputSettings(path: output, history: "gridcnn contract")
    }
}

public struct ContractRecordReport: Codable {
    public var task: String
    public var contract: DataContract
    public var output: String
}

public enum ContractRecording {
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
