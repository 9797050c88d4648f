// `gridcnn info FILE [--var NAME] [--json]`: the CF-decoded summary of a NetCDF file (GridIO.FileSummary).
import ArgumentParser
import Foundation
import GridIO

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a NetCDF file: dimensions, variables, decoded coordinates and time span, statistics.",
        discussion: """
            Statistics (min, max, mean, missing count) are taken over valid values after applying _FillValue, \
            missing_value, valid_range and scale_factor/add_offset. Large variables are streamed step by step.

            Example:
              gridcnn info tas_day_EUR-11.nc --var tas --json
            """)

    @Argument(help: ArgumentHelp("The NetCDF file (classic, 64-bit offset, CDF-5 or NetCDF-4).", valueName: "file"))
    var file: String

    @Option(name: .customLong("var"), help: ArgumentHelp("Summarise only this variable (and its coordinates).", valueName: "name"))
    var variable: String?

    @Flag(help: "Print JSON instead of the ncdump-like text.")
    var json = false

    func run() throws {
        try runJob {
            let summary = try FileSummary.make(path: file, variable: variable)
            print(json ? try summary.renderJSON() : summary.renderText(), terminator: json ? "\n" : "")
        }
    }
}
