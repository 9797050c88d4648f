// `gridcnn coarsen`: block-average a field to a coarser grid (as CDO's gridboxmean), the coarse input of a
// perfect-model experiment. Streams time steps; coordinates become block means; the result is CF NetCDF.
import Foundation
import GridTensor
import GridIO

/// What `gridcnn coarsen` needs: a fine field, the block size and where to write the coarse field.
public struct CoarsenRequest {
    /// FILE or FILE:VAR of the field (2-D, or time x 2-D).
    public var input: String
    /// The variable; nil: the one named in `input`, else the file's only data variable.
    public var variable: String?
    /// Block size: `factor` x `factor` cells become one; must divide the rows and columns.
    public var factor: Int
    /// Where the result goes, overwrite, quiet, provenance.
    public var output: OutputSettings
    /// A request writing to `output` without replacing an existing file (history "gridcnn coarsen").
    public init(input: String, factor: Int, output: String) { self.input = input; self.factor = factor; self.output = OutputSettings(path: output, history: "gridcnn coarsen") }
}

/// `gridcnn coarsen`: block means over factor x factor cells (as CDO's gridboxmean), the coarse input of a
/// perfect-model experiment.
public enum Coarsening {
    /// Streams the time steps and writes CF NetCDF atomically: the block means (NaN ignored; NaN where a block has
    /// no valid value), coordinates as block means, units, names, cell_methods, grid mapping and provenance. Returns
    /// the output's steps and coarse rows and columns. Prints nothing.
    /// - Throws: `TaskError` when the factor does not divide the grid, the variable is not (time,) y, x, or the output
    /// exists without `overwrite`.
    @discardableResult
    public static func run(_ r: CoarsenRequest) throws -> (steps: Int, height: Int, width: Int) {
        let (path, v) = FieldLoader.splitSpec(r.input)
        let field = try FieldLoader.load(path, variable: r.variable ?? v, readData: false)
        guard r.factor >= 1, field.height % r.factor == 0, field.width % r.factor == 0 else {
            throw TaskError("factor \(r.factor) does not divide the \(field.height)x\(field.width) grid of \(path)")
        }
        let (h, w) = (field.height / r.factor, field.width / r.factor)
        let file = try NetCDFFile(path: path)
        let writer = try NetCDFWriter(path: r.output.path, overwrite: r.output.overwrite, history: r.output.history, attributes: [
            NCAttribute("source", .text("block means over \(r.factor)x\(r.factor) cells of \(path)")),
            NCAttribute("gridcnn_version", .text(r.output.version)),
        ])
        let timeName = field.timeDimension ?? "time"
        try FineGrid.defineTime(in: writer, name: timeName, from: file)
        for (dim, n) in [(field.yDimension, h), (field.xDimension, w)] {
            // Coarse coordinates are the block means of the fine ones.
            try FineGrid.defineAxis(in: writer, dim, length: n, from: file) { fine in
                guard fine.count == n * r.factor else { return [] }   // refused by defineAxis with the counts
                return (0..<n).map { i in fine[(i * r.factor)..<((i + 1) * r.factor)].reduce(0, +) / Double(r.factor) }
            }
        }
        var def = NCVariableDefinition(name: field.variable.name, dimensions: [timeName, field.yDimension, field.xDimension],
                                       units: field.units, longName: field.variable.text("long_name"),
                                       standardName: field.variable.text("standard_name"))
        def.attributes = [NCAttribute("cell_methods", .text("area: mean (\(r.factor)x\(r.factor) block average)"))]
        if let gm = try FineGrid.copyGridMapping(in: writer, field: field, from: file) { def.attributes.append(gm) }
        // 2-D auxiliary latitude/longitude (rotated grids) become block means too.
        var aux = [String]()
        for name in (field.variable.text("coordinates") ?? "").split(separator: " ").map(String.init) where file.hasVariable(name) {
            let cv = try file.variable(name)
            guard cv.dimensionNames == [field.yDimension, field.xDimension] else { continue }
            var cdef = NCVariableDefinition(name: name, dimensions: cv.dimensionNames, type: .double)
            cdef.fillValue = nil
            cdef.attributes = cv.attributes.filter { !$0.name.hasPrefix("_") && $0.name != "bounds" }
            try writer.defineVariable(cdef)
            let means = try Regrid.coarsen(try file.read(name), factor: r.factor)
            try writer.write(name, doubles: means.scalars.map(Double.init), shape: [h, w])
            aux.append(name)
        }
        if !aux.isEmpty { def.attributes.append(NCAttribute("coordinates", .text(aux.joined(separator: " ")))) }
        try writer.defineVariable(def)
        let reader = try file.timeSteps(of: field.variable.name)
        var steps = 0
        while let step = try reader.next() {
            let coarse = try Regrid.coarsen(step.data.reshaped([field.height, field.width]), factor: r.factor)
            let time = field.times.flatMap { step.index < $0.count ? $0[step.index] : nil }
            try writer.append(field.variable.name, coarse, time: field.timeDimension != nil ? time : nil)
            steps += 1
        }
        try writer.finish()
        return (steps, h, w)
    }
}
