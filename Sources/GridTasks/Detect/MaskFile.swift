// Class-mask NetCDF files: written on the input's grid (its lat/lon and time coordinates copied) as a byte variable
// with CF flag_values / flag_meanings, atomically, with provenance; and read back as labels or truth for training
// and scoring.
import Foundation
import GridTensor
import GridIO

enum MaskFile {
    /// Starts a mask file on `input`'s grid: returns the writer with variable `name` (time, lat, lon) defined.
    static func create(_ path: String, like input: DetectInput, name: String = "class", longName: String,
                       comment: String, overwrite: Bool, history: String, attributes: [NCAttribute]) throws -> NetCDFWriter {
        let writer = try NetCDFWriter(path: path, overwrite: overwrite, history: history, attributes: attributes)
        let v = try input.file.variable(input.reference)
        let dims = v.dimensionNames
        let latName = dims[dims.count - 2], lonName = dims[dims.count - 1]
        let timeName = input.timeDimension ?? "time"
        if let t = input.timeDimension, input.file.hasVariable(t) {
            try writer.copyVariable(t, from: input.file, values: false)
        } else {
            try writer.defineDimension(timeName, length: nil)
        }
        try writer.copyVariable(latName, from: input.file)
        try writer.copyVariable(lonName, from: input.file)
        var def = NCVariableDefinition(name: name, dimensions: [timeName, latName, lonName], type: .byte, longName: longName)
        def.fillValue = -1
        def.attributes = [
            NCAttribute(name: "flag_values", type: .byte, value: .ints([0, 1, 2])),
            NCAttribute("flag_meanings", .text(EventClass.flagMeanings)),
            NCAttribute("comment", .text(comment)),
        ]
        try writer.defineVariable(def)
        return writer
    }

    /// Appends one step's mask (and its time value when the input has a time coordinate).
    static func append(_ writer: NetCDFWriter, name: String = "class", mask: [Int8], grid: LatLonGrid,
                       time: Double?, input: DetectInput) throws {
        let t = Tensor(shape: [grid.height, grid.width], scalars: mask.map { Float($0) })
        let hasTime = input.timeDimension.map { input.file.hasVariable($0) } ?? false
        try writer.append(name, t, time: hasTime ? time : nil)
    }

    /// Reads class masks "FILE" or "FILE:VAR" (default variable: the file's only byte/int variable with flag_values,
    /// else 'class'), one [H*W] array per step; the grid must match `grid`.
    static func read(_ spec: String, grid: LatLonGrid) throws -> [[Int8]] {
        let reader = try open(spec, grid: grid)
        var out = [[Int8]]()
        while let m = try reader.next() { out.append(m) }
        return out
    }

    /// Opens class masks (as `read`) to stream them one step at a time; on `grid` when given, else on the file's own.
    static func open(_ spec: String, grid expected: LatLonGrid?) throws -> MaskReader {
        let (path, given) = FieldLoader.splitSpec(spec)
        let file = try NetCDFFile(path: path)
        let name: String
        if let given { name = given } else {
            let flagged = FieldLoader.dataVariables(file).filter { $0.attribute("flag_values") != nil }
            if flagged.count == 1 { name = flagged[0].name } else if file.hasVariable("class") { name = "class" } else {
                throw TaskError("\(path): name the label variable (\(path):NAME); candidates: \(FieldLoader.dataVariables(file).map(\.name).joined(separator: ", "))")
            }
        }
        guard file.hasVariable(name) else {
            throw GridIOError.variableNotFound(name: name, available: FieldLoader.dataVariables(file).map(\.name), path: path)
        }
        let g = try LatLonGrid.of(file, variable: name)
        let grid = expected ?? g
        guard g.height == grid.height, g.width == grid.width,
              zip(g.lat, grid.lat).allSatisfy({ abs($0 - $1) < 1e-4 }), zip(g.lon, grid.lon).allSatisfy({ abs($0 - $1) < 1e-4 }) else {
            throw TaskError("\(path): labels '\(name)' are on a \(g.height)x\(g.width) grid that differs from the input's \(grid.height)x\(grid.width)")
        }
        return MaskReader(reader: try file.timeSteps(of: name), path: path, name: name, grid: g)
    }

    /// The generator's truth variable of a file, if it has one.
    static func truthVariable(_ file: NetCDFFile) -> String? {
        file.hasVariable("true_class") ? "true_class" : nil
    }
}

/// Class masks, one step at a time: 0 none, 1 TC, 2 AR, -1 missing.
final class MaskReader {
    let reader: TimeStepReader
    let path: String
    let name: String
    let grid: LatLonGrid
    var steps: Int { reader.range.count }

    init(reader: TimeStepReader, path: String, name: String, grid: LatLonGrid) {
        self.reader = reader; self.path = path; self.name = name; self.grid = grid
    }

    func reset() { reader.reset() }

    func seek(to step: Int) throws { try reader.seek(to: reader.range.lowerBound + step) }

    func next() throws -> [Int8]? {
        guard let s = try reader.next() else { return nil }
        var bad: Float?
        let m = s.data.contiguous().scalars.map { v -> Int8 in
            guard v.isFinite else { return -1 }   // missing: not scored, not trained on
            let c = Int(v.rounded())
            if c < 0 || c > 2 { bad = v }
            return c >= 0 && c <= 2 ? Int8(c) : -1
        }
        if let bad { throw TaskError("\(path): '\(name)' holds class \(bad) at step \(s.index); classes are 0 none, 1 TC, 2 AR") }
        return m
    }
}
