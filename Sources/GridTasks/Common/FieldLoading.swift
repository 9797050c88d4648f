// Reading 2-D (+ time) fields for the grid jobs: squeeze singleton axes (height = 2 m, one level), find the
// spatial axes, check that something valid is there, and remember the coordinates for the output file.
import Foundation
import GridTensor
import GridIO
import GridTrain

/// A field [T, H, W] read from a NetCDF variable, with what is needed to write results on its grid.
struct GridField {
    var path: String
    var variable: NCVariable
    /// [T, H, W]; a field without time has T = 1. Empty when loaded with readData false.
    var data: Tensor
    /// (T, H, W) of the field on disk.
    var gridShape: [Int]
    var timeDimension: String?
    var yDimension: String
    var xDimension: String
    var times: [Double]?

    var height: Int { gridShape[1] }
    var width: Int { gridShape[2] }
    var steps: Int { gridShape[0] }
    var units: String? { variable.text("units") }
}

enum FieldLoader {
    /// Parses "file.nc" or "file.nc:variable" (also .nc4 and classic .cdf).
    static func splitSpec(_ spec: String) -> (path: String, variable: String?) {
        if let r = spec.range(of: ".nc:", options: .backwards) ?? spec.range(of: ".nc4:", options: .backwards) ?? spec.range(of: ".cdf:", options: .backwards)
            ?? spec.range(of: ".zarr:", options: .backwards) {
            return (String(spec[..<r.upperBound].dropLast()), String(spec[r.upperBound...]))
        }
        return (spec, nil)
    }

    /// The data variables of a file: not coordinates, bounds or grid mappings, and with at least 2 dimensions.
    static func dataVariables(_ file: NetCDFFile) -> [NCVariable] { GridDataset.dataVariables(file) }

    /// Opens one variable across the files of `specs` (each FILE, FILE:VAR, a glob such as "tas_*.nc:tas", or
    /// @LIST); `variable` overrides the names in the specs, which must otherwise agree. The dataset's warnings (gaps,
    /// overlaps) are printed unless `quiet`.
    static func dataset(_ specs: [String], variable: String?, quiet: Bool = true) throws -> GridDataset {
        let split = specs.map(splitSpec)
        let named = Set(split.compactMap(\.variable))
        guard variable != nil || named.count <= 1 else {
            throw TaskError("the inputs name different variables (\(named.sorted().joined(separator: ", "))); give one with --var")
        }
        let ds = try GridDataset(split.map(\.path), variable: variable ?? named.first)
        if !quiet { for w in ds.warnings { writeStderr("warning: \(w)\n") } }
        return ds
    }

    /// A paired input (e.g. the coarse field of the same steps) must have the truth's times, step for step, when
    /// both have CF times; `what` names it in the error.
    static func checkSameTimes(_ other: GridDataset, as truth: GridDataset, what: String) throws {
        guard let a = other.dates, let b = truth.dates else { return }
        guard a.count == b.count else { throw TaskError("\(other.label): \(what) has \(a.count) steps but \(truth.label) has \(b.count)") }
        if let k = a.indices.first(where: { a[$0] != b[$0] }) {
            throw TaskError("\(other.label): \(what) step \(k) is at \(a[k]) but \(truth.label) step \(k) is at \(b[k]); the times must match")
        }
    }

    /// The description of file `member` of a dataset as a field header (no data), for writing outputs on its grid.
    static func header(_ ds: GridDataset, member: Int) -> GridField {
        let m = ds.members[member]
        return GridField(path: m.path, variable: m.variable, data: Tensor(zeros: [0]), gridShape: [m.steps, ds.height, ds.width],
                         timeDimension: m.timeAxis.map { m.variable.dimensions[$0].name }, yDimension: ds.yDimension,
                         xDimension: ds.xDimension, times: m.timeValues)
    }

    /// Loads a field; `variable` nil picks the file's only data variable. Axes of length 1 other than the last two
    /// are dropped; what remains must be (time, y, x) or (y, x).
    /// With `readData` false only the description is read (for streaming jobs).
    static func load(_ path: String, variable: String?, readData: Bool = true) throws -> GridField {
        let file = try NetCDFFile(path: path)
        let v: NCVariable
        if let variable { v = try file.variable(variable) } else {
            let candidates = dataVariables(file)
            guard candidates.count == 1 else {
                throw TaskError("\(path): name the variable (\(path):NAME); data variables: \(candidates.map(\.name).joined(separator: ", "))")
            }
            v = candidates[0]
        }
        var kept = [NCDimension]()
        for (i, d) in v.dimensions.enumerated() where d.length != 1 || i >= v.rank - 2 { kept.append(d) }
        guard kept.count == 2 || kept.count == 3 else {
            throw TaskError("\(path): variable '\(v.name)' has dimensions (\(v.dimensionNames.joined(separator: ", "))); expected (time, y, x) or (y, x)")
        }
        let gridShape = kept.count == 3 ? kept.map(\.length) : [1] + kept.map(\.length)
        var data = Tensor(zeros: [0])
        if readData {
            data = try file.read(v.name).reshaped(gridShape)
            let valid = data.scalars.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
            guard valid > 0 else { throw TaskError("\(path): variable '\(v.name)' has no valid values (all missing)") }
        }
        let timeDim = kept.count == 3 ? kept[0].name : nil
        var times: [Double]? = nil
        if let t = timeDim ?? v.dimensions.first(where: { $0.isUnlimited || $0.name == "time" })?.name, file.hasVariable(t) {
            times = try? file.readDoubles(t)
        }
        return GridField(path: path, variable: v, data: data, gridShape: gridShape, timeDimension: timeDim ?? v.dimensions.first(where: { $0.name == "time" })?.name,
                         yDimension: kept[kept.count - 2].name, xDimension: kept[kept.count - 1].name, times: times)
    }

    /// 1-D coordinate values of a dimension, when the file has a coordinate variable for it.
    static func coordinate(_ path: String, dimension: String) -> [Double]? {
        guard let file = try? NetCDFFile(path: path), file.hasVariable(dimension) else { return nil }
        return try? file.readDoubles(dimension)
    }

    /// Static fields (FILE or FILE:VAR each, e.g. orography) that must lie on a `height` x `width` grid; `grid`
    /// says in an error which grid that is.
    /// `latitudes`: those of the data the statics go with; a static whose rows run the other way is refused (its
    /// rows would otherwise be paired with the wrong latitudes: tried, a north-to-south input with south-to-north
    /// orography gave a plausible, wrong field).
    static func loadStatics(_ specs: [String], height: Int, width: Int, grid: String, latitudes: [Double]? = nil) throws -> [GridField] {
        try specs.map { spec in
            let (p, v) = splitSpec(spec)
            let f = try load(p, variable: v)
            guard f.height == height, f.width == width else {
                throw TaskError("\(p): static field '\(f.variable.name)' is \(f.height)x\(f.width) but \(grid) is \(height)x\(width)",
                                path: p, variable: f.variable.name)
            }
            if let lat = latitudes, lat.count > 1, height > 1,
               let own = try? NetCDFFile(path: p).read(f.yDimension).scalars, own.count > 1, (own.last! > own.first!) != (lat.last! > lat.first!) {
                let dir = { (up: Bool) in up ? "south to north" : "north to south" }
                throw TaskError("\(p): static field '\(f.variable.name)' runs \(dir(own.last! > own.first!)) but \(grid) runs \(dir(lat.last! > lat.first!)); give statics in the data's latitude order",
                                path: p, variable: f.variable.name)
            }
            return f
        }
    }
}
