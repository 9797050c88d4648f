// One variable across many files, as one labelled (time, y, x) dataset: the files are ordered by decoded time
// (each file's own units and calendar), gaps and overlaps are reported, the grid, units and coordinates are checked
// to agree, and data are read lazily, a step or a (t, y, x) window at a time. Each file is opened once, here, and
// kept open for the life of the dataset. Every job that reads gridded inputs reads through this type.
import Foundation
import GridTensor

/// The order of a grid's rows when y is latitude: south to north (latitude increasing with the row index, as CMIP
/// files usually are) or north to south (as ERA5 files are).
public enum LatitudeOrder: String, Codable, Sendable {
    /// Row 0 is the southernmost.
    case southToNorth = "south_to_north"
    /// Row 0 is the northernmost.
    case northToSouth = "north_to_south"
}

/// How a grid's longitudes are numbered: -180..180 degrees east, or 0..360 (decided by any value above 180).
public enum LongitudeConvention: String, Codable, Sendable {
    /// Longitudes in -180..180.
    case signed = "-180..180"
    /// Longitudes in 0..360.
    case positive = "0..360"
}

/// One file of a dataset, open, with the layout of the variable in it.
public final class DatasetMember {
    /// The file's path, after glob and @list expansion.
    public let path: String
    /// The open file (kept open for the dataset's life; calls into it are serialised by GridIO's library lock).
    public let file: NetCDFFile
    /// The dataset's variable in this file.
    public let variable: NCVariable
    /// Index among the variable's dimensions of time (nil: a field without time, one step), y and x.
    public let timeAxis: Int?
    /// Indices of the y (rows) and x (columns) dimensions among the variable's: always its last two.
    public let yAxis: Int, xAxis: Int
    /// The number of time steps in this file (1 without a time dimension).
    public let steps: Int
    /// Decoded times (nil without a CF time coordinate) and the raw values with their units.
    public let dates: [CFDate]?
    /// The raw values of the time coordinate, in `timeUnitsText`; nil without one.
    public let timeValues: [Double]?
    /// The parsed units and calendar of the time coordinate; nil without a CF time.
    public let timeUnits: CFTimeUnits?
    /// The time coordinate's `units` attribute as written (e.g. `days since 1850-01-01`).
    public let timeUnitsText: String?

    init(path: String, variable name: String?) throws {
        self.path = path
        file = try NetCDFFile(path: path)
        let v: NCVariable
        if let name { v = try file.variable(name) } else {
            let candidates = GridDataset.dataVariables(file)
            guard candidates.count == 1 else {
                throw GridIOError.invalidArgument(detail: "\(path): name the variable (\(path):NAME); data variables: \(candidates.map(\.name).joined(separator: ", "))")
            }
            v = candidates[0]
        }
        variable = v
        guard v.rank >= 2, v.type.isNumeric else {
            throw GridIOError.invalidArgument(detail: "\(path): variable '\(v.name)' has dimensions (\(v.dimensionNames.joined(separator: ", "))); expected (time, y, x) or (y, x)")
        }
        let system = try file.coordinateSystem(for: v.path)
        // Time: the CF time axis, else the unlimited or 'time' dimension, else the only leading axis longer than 1.
        let leading = Array(0..<(v.rank - 2))
        var t = leading.first { system.dimensionCoordinates[$0]?.kind == .time }
            ?? leading.first { v.dimensions[$0].isUnlimited || v.dimensions[$0].name == "time" }
        if t == nil {
            let long = leading.filter { v.dimensions[$0].length != 1 }
            if long.count == 1 { t = long[0] }
        }
        for i in leading where i != t && v.dimensions[i].length != 1 {
            throw GridIOError.invalidArgument(detail: "\(path): variable '\(v.name)' has dimensions (\(v.dimensionNames.joined(separator: ", "))); expected (time, y, x) or (y, x)")
        }
        timeAxis = t
        (yAxis, xAxis) = (v.rank - 2, v.rank - 1)
        steps = t.map { v.dimensions[$0].length } ?? 1
        var dates: [CFDate]?, values: [Double]?, units: CFTimeUnits?, unitsText: String?
        if let t, let coordinate = system.dimensionCoordinates[t], let cv = try? file.variable(coordinate.name),
           let text = cv.text("units"), text.contains(" since ") {
            let decoder = try CFTimeUnits(text, calendar: cv.text("calendar"))
            let raw = try file.readDoubles(coordinate.name)
            dates = try raw.enumerated().map { i, value in
                guard let d = decoder.date(value) else {
                    throw GridIOError.invalidArgument(detail: "\(path): '\(coordinate.name)' has no valid time at index \(i)")
                }
                return d
            }
            (values, units, unitsText) = (raw, decoder, text)
        } else if let t, file.hasVariable(v.dimensions[t].name) {
            values = try? file.readDoubles(v.dimensions[t].name)
        }
        (self.dates, timeValues, timeUnits, timeUnitsText) = (dates, values, units, unitsText)
        var stepCount = v.shape
        if let t { stepCount[t] = 1 }
        _ = try configureChunkCache(file, v, stepCount: stepCount)
    }

    var height: Int { variable.shape[yAxis] }
    var width: Int { variable.shape[xAxis] }

    /// Reads steps `local` (a contiguous range of this file), rows `y`, columns `x`: [n, h, w].
    func read(_ local: Range<Int>, y: Range<Int>, x: Range<Int>) throws -> Tensor {
        var start = [Int](repeating: 0, count: variable.rank), count = [Int](repeating: 1, count: variable.rank)
        if let t = timeAxis { start[t] = local.lowerBound; count[t] = local.count }
        (start[yAxis], count[yAxis], start[xAxis], count[xAxis]) = (y.lowerBound, y.count, x.lowerBound, x.count)
        let raw = try file.read(variable, Hyperslab(variable: variable, start: start, count: count))
        let shape = [local.count, y.count, x.count]
        return Tensor(storage: raw.storage, shape: shape, strides: contiguousStrides(shape))
    }
}

/// A step of the dataset: which file, which index in it.
public struct DatasetStep: Equatable, Sendable {
    /// The file's index in ``GridDataset/members``.
    public var member: Int
    /// The step's index along the time dimension inside that file.
    public var local: Int
}

/// One variable across many files as one lazily read (time, y, x) dataset: the files of paths, globs or @list files,
/// each opened once and kept open, ordered by decoded time (each file's own units and calendar), gaps and overlaps
/// reported, grid, units and coordinates checked to agree. Values are read a step or a window at a time, CF-decoded
/// (fill and out-of-range values as NaN, packed values unpacked) as Float32.
///
/// A reference type holding open files; reads may come from several threads (GridIO serialises library calls with one
/// process-wide lock), so concurrent readers do not speed up reading.
public final class GridDataset {
    /// The files, ordered by their first time.
    public let members: [DatasetMember]
    /// The dataset's steps in time order (duplicated times of overlapping files appear once, from the earlier file).
    public let steps: [DatasetStep]
    /// Decoded time of each step (nil when the files have no CF time).
    public let dates: [CFDate]?
    /// Holes in the time axis: steps longer than 1.5 typical steps.
    public let gaps: [DatasetGap]
    /// Files covering the same period (their repeated steps are taken once, from the earlier file).
    public let overlaps: [DatasetOverlap]
    /// Things a user should hear about (gaps, overlaps, files kept in the given order).
    public let warnings: [String]

    /// Opens every file of `sources` (paths, globs, @list files) and reads the description of `variable` (nil: each
    /// file's only data variable).
    ///
    /// Throws ``GridIOError`` when a file is missing or unreadable, a glob or list matches nothing, the variable is
    /// absent or not (time, y, x) / (y, x) (leading axes of length 1 are allowed), the files differ in grid size,
    /// units or y/x coordinates, their calendars cannot be compared, or a time value cannot be decoded.
    public convenience init(_ sources: [String], variable: String? = nil) throws {
        let paths = try DatasetSources.expand(sources)
        var members = [DatasetMember]()
        for p in paths { members.append(try DatasetMember(path: p, variable: variable ?? members.first?.variable.name)) }
        try self.init(members: members)
    }

    init(members unordered: [DatasetMember]) throws {
        let first = unordered[0]
        for m in unordered.dropFirst() { try GridDataset.checkAgree(m, with: first) }
        let timed = unordered.allSatisfy { $0.dates != nil && $0.timeAxis != nil }
        var warnings = [String]()
        if timed {
            let ordering = try DatasetTimeline(unordered)
            members = ordering.members
            steps = ordering.steps
            dates = ordering.dates
            gaps = ordering.gaps
            overlaps = ordering.overlaps
            warnings = ordering.warnings
        } else {
            if unordered.count > 1 {
                warnings.append("the files have no CF time coordinate; their steps are taken in the order given")
            }
            members = unordered
            steps = unordered.enumerated().flatMap { m, member in (0..<member.steps).map { DatasetStep(member: m, local: $0) } }
            dates = nil; gaps = []; overlaps = []
        }
        self.warnings = warnings
    }

    /// The number of time steps, all files together (1 per file without time).
    public var count: Int { steps.count }
    /// Rows: the length of y (the variable's second-to-last dimension).
    public var height: Int { members[0].height }
    /// Columns: the length of x (the variable's last dimension).
    public var width: Int { members[0].width }
    /// The variable's metadata as the first file has it (attributes, dimensions, packing).
    public var variable: NCVariable { members[0].variable }
    /// The variable's name.
    public var name: String { variable.name }
    /// The files in time order.
    public var paths: [String] { members.map(\.path) }
    /// The variable's `units` attribute (the same in every file, or the dataset is refused).
    public var units: String? { variable.text("units") }
    /// The variable's `long_name` attribute.
    public var longName: String? { variable.text("long_name") }
    /// The variable's CF `standard_name` attribute.
    public var standardName: String? { variable.text("standard_name") }
    /// The variable's `grid_mapping` attribute (e.g. `rotated_pole`), nil on plain latitude-longitude grids.
    public var gridMapping: String? { variable.text("grid_mapping") }
    /// The name of the time dimension, nil for a field without one.
    public var timeDimension: String? { members[0].timeAxis.map { variable.dimensions[$0].name } }
    /// The name of the y (row) dimension, e.g. `lat` or `rlat`.
    public var yDimension: String { variable.dimensions[members[0].yAxis].name }
    /// The name of the x (column) dimension, e.g. `lon` or `rlon`.
    public var xDimension: String { variable.dimensions[members[0].xAxis].name }
    /// A short name for messages: the path, or the first path and how many files.
    public var label: String { members.count == 1 ? members[0].path : "\(members[0].path) (+\(members.count - 1) files)" }

    /// Coordinate values of the y and x dimensions, when the first file has CF coordinate variables for them.
    public var yValues: [Double]? { coordinateValues(yDimension) }
    /// The x coordinate values in their own units (e.g. degrees east), nil without a 1-D coordinate variable.
    public var xValues: [Double]? { coordinateValues(xDimension) }

    /// Latitude order of the rows, when y is latitude.
    public var latitudeOrder: LatitudeOrder? {
        guard isKind(yDimension, .latitude), let y = yValues, y.count >= 2 else { return nil }
        return y[y.count - 1] >= y[0] ? .southToNorth : .northToSouth
    }

    /// Latitude of each row, when y is latitude (for area weights).
    public var latitudes: [Double]? { isKind(yDimension, .latitude) ? yValues : nil }

    /// Longitude convention of the columns, when x is longitude.
    public var longitudeConvention: LongitudeConvention? {
        guard isKind(xDimension, .longitude), let x = xValues else { return nil }
        return (x.max() ?? 0) > 180 ? .positive : .signed
    }

    private func coordinateValues(_ dim: String) -> [Double]? {
        let f = members[0].file
        guard f.hasVariable(dim), let v = try? f.variable(dim), v.dimensionNames == [dim] else { return nil }
        return try? f.readDoubles(dim)
    }

    private func isKind(_ dim: String, _ kind: CFCoordinateKind) -> Bool {
        guard let v = try? members[0].file.variable(dim), v.dimensionNames == [dim] else { return false }
        return CFCoordinateKind.classify(v) == kind
    }

    /// The dataset steps that come from file `member`, in order.
    public func steps(ofMember member: Int) -> [Int] { steps.indices.filter { steps[$0].member == member } }

    /// Indices of the steps from `start` through `end` (inclusive), by decoded time.
    public func steps(from start: CFDate, through end: CFDate) throws -> [Int] {
        guard let dates else { throw GridIOError.invalidArgument(detail: "\(label): no CF time coordinate, so no period can be selected") }
        return dates.indices.filter { dates[$0] >= start && dates[$0] <= end }
    }

    /// Step `i`, [H, W].
    public func read(step i: Int) throws -> Tensor {
        try window(steps: i..<(i + 1), y: 0..<height, x: 0..<width).reshaped([height, width])
    }

    /// Steps `indices` (any order), [n, H, W].
    public func read(steps indices: [Int]) throws -> Tensor {
        guard !indices.isEmpty else { return Tensor(zeros: [0, height, width]) }
        // Contiguous runs in one file are read as one hyperslab.
        var parts = [Tensor](), k = 0
        while k < indices.count {
            var e = k + 1
            while e < indices.count, indices[e] == indices[e - 1] + 1, steps[indices[e]].member == steps[indices[k]].member,
                  steps[indices[e]].local == steps[indices[e - 1]].local + 1 { e += 1 }
            parts.append(try window(steps: indices[k]..<(indices[e - 1] + 1), y: 0..<height, x: 0..<width))
            k = e
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, axis: 0)
    }

    /// Every step, [T, H, W].
    public func readAll() throws -> Tensor { try read(steps: Array(0..<count)) }

    /// A (t, y, x) window: dataset steps `t` (which may span files), rows `y`, columns `x`: [t, h, w].
    public func window(steps t: Range<Int>, y: Range<Int>, x: Range<Int>) throws -> Tensor {
        guard t.lowerBound >= 0, t.upperBound <= count, y.lowerBound >= 0, y.upperBound <= height, x.lowerBound >= 0, x.upperBound <= width else {
            throw GridIOError.invalidArgument(detail: "\(label): window steps \(t), rows \(y), columns \(x) outside \(count)x\(height)x\(width)")
        }
        var parts = [Tensor](), k = t.lowerBound
        while k < t.upperBound {
            let s = steps[k]
            var e = k + 1
            while e < t.upperBound, steps[e].member == s.member, steps[e].local == steps[e - 1].local + 1 { e += 1 }
            parts.append(try members[s.member].read(s.local..<(s.local + e - k), y: y, x: x))
            k = e
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, axis: 0)
    }

    /// Every file must hold the same grid in the same units as the first.
    static func checkAgree(_ m: DatasetMember, with first: DatasetMember) throws {
        let name = first.variable.name
        guard m.height == first.height, m.width == first.width else {
            throw GridIOError.invalidArgument(detail: "\(m.path): '\(name)' is on a \(m.height)x\(m.width) grid but \(first.path) is \(first.height)x\(first.width)")
        }
        let (u, u0) = (m.variable.text("units"), first.variable.text("units"))
        guard u == u0 else {
            throw GridIOError.invalidArgument(detail: "\(m.path): '\(name)' is in \(u ?? "no units") but \(first.path) is in \(u0 ?? "no units")")
        }
        for axis in [first.yAxis, first.xAxis] {
            let dim = first.variable.dimensions[axis].name, dimHere = m.variable.dimensions[axis].name
            guard let a = try? first.file.readDoubles(dim), let b = try? m.file.readDoubles(dimHere) else { continue }
            let scale = max(a.map(abs).max() ?? 1, 1)
            guard a.count == b.count, zip(a, b).allSatisfy({ abs($0 - $1) <= 1e-6 * scale }) else {
                throw GridIOError.invalidArgument(detail: "\(m.path): the '\(dimHere)' coordinates differ from those of \(first.path)")
            }
        }
    }

    /// The data variables of a file: not coordinates, bounds or grid mappings, numeric, with at least 2 dimensions.
    public static func dataVariables(_ file: NetCDFFile) -> [NCVariable] {
        let coordinateNames = Set(file.variables.filter { v in v.rank == 1 && v.dimensionNames == [v.name] }.map(\.name))
        var referenced = Set<String>()
        for v in file.variables {
            for key in ["bounds", "grid_mapping", "coordinates"] { v.text(key)?.split(separator: " ").forEach { referenced.insert(String($0)) } }
        }
        return file.variables.filter { $0.rank >= 2 && !coordinateNames.contains($0.name) && !referenced.contains($0.name) && $0.type.isNumeric }
    }
}
