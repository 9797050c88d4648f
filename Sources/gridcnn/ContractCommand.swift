// `gridcnn contract`: records a data contract in a checkpoint made before contracts, from its training file.
import ArgumentParser
import Foundation
import GridTasks

struct ContractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract", abstract: "Record a data contract in a checkpoint made before contracts (detect, classify).",
        discussion: """
        A data contract says what a model was trained on (variables, units and standard names, grid, input \
        statistics, mean image, preprocessing conventions); applying a model checks inputs against it. Checkpoints \
        trained now carry one. For an older checkpoint, give the file it was trained on: the contract is measured \
        on its training steps (detect) or training split (classify). Weights stay as they are.

        Example:
          gridcnn contract --model old-detector.h5 --input weather_train.nc --output detector.h5
        """)

    @Option(help: "Checkpoint without a contract.") var model: String
    @Option(help: "The file it was trained on.") var input: String
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var r = ContractRecordRequest(model: model, input: input, output: out.output)
            out.apply(to: &r.output)
            let rep = try ContractRecording.run(r)
            if out.json { try printJSON(rep) } else {
                print("recorded the data contract of a \(rep.task) model (\(rep.contract.variables.count) variable(s), \(rep.contract.channels.count) channel statistics) in \(rep.output)")
            }
        }
    }
}
