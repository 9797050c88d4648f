// What every apply and evaluate job starts from: a checkpoint of its task, the network rebuilt from the stored
// ModelSpec with the trained weights, in evaluation mode, and the task's record decoded.
import Foundation
import GridNN
import GridModels

/// What every apply and evaluate job starts from: a task's checkpoint loaded and verified, the network rebuilt from
/// the stored `ModelSpec` with the trained weights and put in evaluation mode, and the task's record decoded as
/// `TaskSpec` (e.g. `DownscaleSpec`). The model is a reference type: run it from one thread at a time.
public struct TrainedModel<TaskSpec: Decodable> {
    /// The checkpoint file it was loaded from.
    public let path: String
    /// The loaded checkpoint (weights, options, training history, extra tensors).
    public let checkpoint: Checkpoint
    /// The task's record: what applying needs (normalisation, variables, grid, data contract).
    public let spec: TaskSpec
    /// The network, weights restored, in evaluation mode (dropout off, batch norm on its running statistics).
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
