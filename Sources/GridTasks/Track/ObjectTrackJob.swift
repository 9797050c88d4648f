// `gridcnn track-objects`: the regions of one class of a mask (from `gridcnn label` or `gridcnn detect`) followed
// through time, written as object_id(time, lat, lon) on the mask's grid (0: no object), with the objects' lives
// (steps, largest area, splits and merges) in the report and optionally a CSV table. Streams the mask twice.
import Foundation
import GridTensor
import GridIO

/// What `gridcnn track-objects` needs: a class mask (from `gridcnn label` or `gridcnn detect`), the class to follow, the
/// thresholds and where to write the object ids.
public struct ObjectTrackRequest {
    /// Class mask FILE or FILE:VAR.
    public var input: String
    /// The mask value whose regions are followed (default 2, atmospheric rivers; 1 for tropical cyclones).
    public var eventClass: Int8 = 2
    /// Which regions are objects and how they are linked.
    public var options = ObjectTrackOptions()
    /// Where the object_id(time, lat, lon) file goes (NetCDF on the mask's grid; 0 where no kept object is).
    public var output: OutputSettings
    /// CSV of the kept objects.
    public var table: String?
    /// A request following class 2 with default thresholds, writing to `output` without replacing an existing file.
    public init(input: String, output: String) { self.input = input; self.output = OutputSettings(path: output, history: "gridcnn track-objects") }
}

/// What `ObjectTracking.run` did (printed with `--json` under the property names).
public struct ObjectTrackReport: Codable {
    /// Time steps of the mask.
    public var steps: Int
    /// [rows, columns] of the mask's grid.
    public var grid: [Int]
    /// The kept objects (present in at least `minSteps` steps).
    public var objects: [TrackedObject]
    /// Kept objects that began as a split from another.
    public var splits: Int
    /// Merges into kept objects.
    public var merges: Int
    /// The file written.
    public var output: String
    /// Wall-clock seconds of the whole job.
    public var seconds: Double
}

/// `gridcnn track-objects`: the regions of one class of a mask followed through time (TempestExtremes' StitchBlobs).
public enum ObjectTracking {
    /// Streams the mask twice (first to decide which objects live long enough, then to write them) and writes object_id
    /// (int32, time x lat x lon, 0: none) atomically, and the CSV table when asked for. Prints progress unless quiet.
    /// - Throws: `TaskError` for bad options, an existing output without `overwrite`, or a mask file that cannot be read
    /// (no such variable, not on a 1-D latitude/longitude grid).
    public static func run(_ r: ObjectTrackRequest) throws -> ObjectTrackReport {
        let started = Date()
        try r.options.validate()
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it")
        }
        let mask = try MaskFile.open(r.input, grid: nil)
        let g = mask.grid
        // Pass 1 decides which objects live long enough; pass 2 (the same links) writes them.
        let first = ObjectTracker(options: r.options)
        var step = 0
        while let m = try mask.next() { _ = first.add(m.map { $0 == r.eventClass }, grid: g, step: step); step += 1 }
        let kept = first.kept()
        mask.reset()
        let file = mask.reader.file, dims = mask.reader.variable.dimensionNames
        let timeName = dims[mask.reader.timeDimension]
        let times = file.hasVariable(timeName) ? try file.readDoubles(timeName) : nil
        let w = try NetCDFWriter(path: r.output.path, overwrite: r.output.overwrite, history: r.output.history,
                                 attributes: [NCAttribute("source", .text("gridcnn \(r.output.version) object tracks of \(r.input) class \(r.eventClass)"))])
        if times != nil { try w.copyVariable(timeName, from: file, values: false) } else { try w.defineDimension(timeName, length: nil) }
        try w.copyVariable(dims[dims.count - 2], from: file)
        try w.copyVariable(dims[dims.count - 1], from: file)
        var def = NCVariableDefinition(name: "object_id", dimensions: [timeName, dims[dims.count - 2], dims[dims.count - 1]], type: .int,
                                       longName: "tracked object (0: none)")
        def.fillValue = -1
        def.attributes = [NCAttribute("comment", .text(String(format: "class %d regions of at least %d points, linked by overlap >= %g of the smaller, kept when present in %d steps",
                                                                 Int(r.eventClass), r.options.minPoints, r.options.minOverlap, r.options.minSteps)))]
        try w.defineVariable(def)
        let second = ObjectTracker(options: r.options)
        step = 0
        while let m = try mask.next() {
            let ids = second.add(m.map { $0 == r.eventClass }, grid: g, step: step).map { Float(kept[Int($0)] ?? 0) }
            try w.append("object_id", Tensor(shape: [g.height, g.width], scalars: ids), time: times?[step])
            step += 1
        }
        try w.finish()
        // Renumbered as written; splits and merges between kept objects only.
        let objects = kept.keys.sorted().map { raw -> TrackedObject in
            var o = first.objects[raw]!
            o.id = Int(kept[raw]!)
            o.splitFrom = o.splitFrom.flatMap { kept[$0] }.map(Int.init)
            o.mergedFrom = o.mergedFrom.compactMap { kept[$0] }.map(Int.init)
            return o
        }
        if let t = r.table {
            let lines = ["object_id,first_step,last_step,steps,max_area_km2,split_from,merged_from"] + objects.map { o in
                "\(o.id),\(o.firstStep),\(o.lastStep),\(o.steps),\(String(format: "%.0f", o.maxAreaKm2)),\(o.splitFrom.map(String.init) ?? ""),\(o.mergedFrom.map(String.init).joined(separator: " "))"
            }
            try writeFileAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: t, overwrite: true)
        }
        return ObjectTrackReport(steps: step, grid: [g.height, g.width], objects: objects, splits: objects.filter { $0.splitFrom != nil }.count,
                                 merges: objects.reduce(0) { $0 + $1.mergedFrom.count }, output: r.output.path, seconds: Date().timeIntervalSince(started))
    }
}
