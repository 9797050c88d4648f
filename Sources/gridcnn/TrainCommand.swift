// `gridcnn train TASK ...`: one subcommand per task.
import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model for a task and save it as a checkpoint (HDF5).",
        subcommands: [TrainDownscaleCommand.self, TrainDetectCommand.self, TrainClassifyCommand.self, TrainSyllablesCommand.self, TrainSequenceCommand.self])
}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Score a trained model against baselines on held-out data.",
        subcommands: [EvaluateDownscaleCommand.self, EvaluateDetectCommand.self, EvaluateTrackCommand.self, EvaluateClassifyCommand.self, EvaluateSyllablesCommand.self, EvaluateSequenceCommand.self])
}
