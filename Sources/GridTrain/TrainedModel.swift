// What every apply and evaluate job starts from: a checkpoint of its task, the network rebuilt from the stored
// ModelSpec with the trained weights, in evaluation mode, and the task's record decoded.
import Foundation
import GridNN
import GridModels

public struct TrainedModel<TaskSpec: Decodable> {
    public let path: String
    public let checkpoint: Checkpoint
    public let spec: TaskSpec
    public let model: Module

    /// Loads `path` and refuses a checkpoint of another task (or a damaged one) with one line.
    public init(checkpoint path: String, task: String) throws {
        let ck = try Checkpoint.load(path)
        guard ck.task == task else {
            throw TrainError("\(path): a '\(ck.task)' checkpoint, not a \(task) model", path: path)
        }
        let spec: TaskSpec
        do { spec = try JSONDecoder().decode(TaskSpec.self, from: Data(ck.taskSpec.utf8)) } catch {
            throw TrainError("\(path): the \(task) record in the checkpoint is unreadable (\(error))", path: path, underlying: error)
        }
        let model: Module
        do { model = try ck.model.build() } catch { throw TrainError("\(path): \(error)", path: path, underlying: error) }
        do { try ck.restore(into: model) } catch { throw TrainError("\(path): \(error)", path: path, underlying: error) }
        model.eval()
        self.path = path; self.checkpoint = ck; self.spec = spec; self.model = model
    }

    /// What spatial input sizes must be a multiple of (UNet: 2^depth).
    public var inputMultiple: Int { checkpoint.model.inputMultiple }
}
