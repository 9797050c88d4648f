// Example: read a field from NetCDF with GridIO, from one file and from several files as one dataset.
//
//   example-read-field [TAS.nc] [WORK_DIR]
//
// 1. One file: open it, read `tas` (CF-decoded: fill values become NaN, packed values are unpacked) and its times.
// 2. Many files: an archive usually comes as one file per period. We write the 12 months as two 6-month files
//    (with GridIO's atomic CF writer), then open them by glob as one dataset ordered by decoded time, and check that
//    it holds exactly what the single file holds.
import Foundation
import GridIO
import GridTensor

let args = CommandLine.arguments
let path = args.count > 1 ? args[1] : "datasets/climate/tas_rectilinear_grid_2D.nc"
let work = args.count > 2 ? args[2] : NSTemporaryDirectory()

do {
    // 1. One file. `read` gives a Float tensor [time, lat, lon]; `times` decodes the CF time axis (any calendar).
    let file = try NetCDFFile(path: path)
    let tas = try file.read("tas")
    let dates = try file.times("time")
    let units = try file.variable("tas").text("units") ?? "?"

    // 2. Split into two files of 6 steps each: grid coordinates copied, `tas` appended step by step with its time.
    let times = try file.readDoubles("time")
    for (part, range) in [(1, 0..<6), (2, 6..<12)] {
        let writer = try NetCDFWriter(path: "\(work)/tas_part\(part).nc", overwrite: true, history: "example-read-field")
        for name in ["lat", "lat_bnds", "lon", "lon_bnds"] { try writer.copyVariable(name, from: file) }
        try writer.copyVariable("time", from: file, values: false)   // units and calendar, no values yet
        var definition = NCVariableDefinition(like: try file.variable("tas"))   // units, names, cell_methods
        definition.fillValue = 1e20   // NaN (missing) is stored as this
        try writer.defineVariable(definition)
        for t in range {
            try writer.append("tas", tas.sliced(axis: 0, t..<(t + 1)).reshaped([tas.shape[1], tas.shape[2]]), time: times[t])
        }
        try writer.finish()   // the file appears under its name only now
    }

    // The multi-file dataset: paths, globs or @list files; steps come in time order whatever the file order.
    let dataset = try GridDataset(["\(work)/tas_part*.nc"], variable: "tas")
    let all = try dataset.readAll()   // [T, H, W]; `read(step:)` and `window(...)` read less
    guard dataset.members.count == 2, all.shape == tas.shape, all.scalars == tas.scalars else {
        throw GridIOError.invalidArgument(detail: "the two-file dataset differs from the single file")
    }
    let mean = tas.scalars.reduce(0.0) { $0 + Double($1) } / Double(tas.count)
    print("read-field: tas \(tas.shape) \(units), \(dates.first!)...\(dates.last!), mean \(String(format: "%.2f", mean)); "
          + "glob of \(dataset.members.count) files: \(dataset.count) steps, identical")
} catch {
    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
    exit(1)
}
