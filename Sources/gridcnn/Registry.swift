// The list of subcommands, kept apart so that adding one touches one line.
import ArgumentParser

let gridcnnVersion = "0.1.0"

extension GridCNN {
    static let registered: [ParsableCommand.Type] = [
        InfoCommand.self, SummaryCommand.self, TrainCommand.self, DownscaleCommand.self, EvaluateCommand.self, CoarsenCommand.self, BenchCommand.self,
        ClassifySyllablesCommand.self, GenerateCommand.self,
        LabelCommand.self, DetectCommand.self, TrackCommand.self, TrackObjectsCommand.self,
        ClassifyCommand.self, ContractCommand.self,
        ExportCommand.self, ImportCommand.self,
    ]
}
