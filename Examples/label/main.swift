// Example: run the heuristic labeller (tropical cyclones and atmospheric rivers, TECA-style) over a file.
//
//   example-label [WEATHER.nc] [WORK_DIR]
//
// The labeller finds pressure minima with a closed contour, a wind maximum and a warm core (cyclones) and long, narrow
// plumes of water vapour (rivers) at every time step, and writes the class mask (0 none, 1 cyclone, 2 river) on the
// input grid as CF NetCDF. Variables are found by their usual CESM/CMIP/ERA names (PSL/psl/msl, U850, V850, TMQ/prw,
// T500), or named in `names`; units are converted to those the thresholds use. The bundled file also holds the generator's truth, so the
// report scores the labels against it.
import Foundation
import GridTasks

let args = CommandLine.arguments
let input = args.count > 1 ? args[1] : "datasets/weather/weather_test.nc"
let work = args.count > 2 ? args[2] : NSTemporaryDirectory()

var request = LabelRequest(input: input, output: "\(work)/labels.nc")
request.output.overwrite = true
request.output.quiet = true
// request.options (LabellerOptions) holds the thresholds; request.names names variables the search does not find.

do {
    let report = try Labelling.run(request)
    guard report.steps > 0, report.cyclones > 0 else { throw TaskError("\(input): no cyclone labelled") }
    let iou = report.againstTruth.map { String(format: ", against the file's truth: mean IoU %.2f", $0.meanIoU) } ?? ""
    print("label: \(report.steps) steps of \(report.grid), \(report.cyclones) cyclones and \(report.rivers) rivers labelled"
          + "\(iou); mask in \(report.output)")
} catch {
    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
    exit(1)
}
