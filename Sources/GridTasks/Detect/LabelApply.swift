// `gridcnn label`: the heuristic labeller over every time step of a file, streamed, writing the class mask on the
// input grid (and optionally the objects as CSV/JSON). With the generator's truth in the file it also says how the
// labeller scores against it.
import Foundation
import GridIO
import GridTrain

/// What `gridcnn label` needs: a file of fields, where to write the class mask, the thresholds and the optional object
/// table.
public struct LabelRequest {
    /// A NetCDF file with sea-level pressure, 850 hPa winds (cyclones) and column water vapour (rivers), optionally 500 hPa
    /// temperature, on one 1-D latitude/longitude grid.
    public var input: String
    /// Where the result goes, overwrite, quiet, provenance.
    public var output: OutputSettings
    /// Variable names per role; unset roles use the usual CESM/CMIP/ERA names.
    public var names = DetectVariableNames()
    /// The labeller's thresholds (defaults: those of the shipped model's training labels).
    public var options = LabellerOptions()
    /// Where to write the labelled objects: CSV when the name ends in .csv, else JSON; nil: none.
    public var objects: String?
    /// A request with default thresholds, writing to `output` without replacing an existing file (history "gridcnn label").
    public init(input: String, output: String) { self.input = input; self.output = OutputSettings(path: output, history: "gridcnn label") }
}

/// What `Labelling.run` did (printed with `--json` under the property names).
public struct LabelReport: Codable {
    /// Time steps labelled.
    public var steps: Int
    /// [rows, columns] of the grid.
    public var grid: [Int]
    /// The variable used for each role.
    public var variables: [String: String]
    /// Unit conversions made, e.g. "PSL: hPa -> Pa".
    public var unitNotes: [String]
    /// Tropical cyclones labelled, summed over steps.
    public var cyclones: Int
    /// Atmospheric rivers labelled, summed over steps.
    public var rivers: Int
    /// Fraction of all points labelled tropical cyclone.
    public var tcFraction: Double
    /// Fraction of all points labelled atmospheric river.
    public var arFraction: Double
    /// Against the file's `true_class` when present.
    public var againstTruth: MaskScores?
    /// The thresholds used.
    public var options: LabellerOptions
    /// The mask file written.
    public var output: String
    /// Wall-clock seconds of the whole job.
    public var seconds: Double
}

/// `gridcnn label`: the heuristic (TECA-style) labeller over every time step of a file.
public enum Labelling {
    /// The roles a labelling run needs and can use.
    static func roles(_ o: LabellerOptions) -> (required: Set<FieldRole>, optional: Set<FieldRole>) {
        var required = Set<FieldRole>(), optional = Set<FieldRole>()
        if o.labelTC { required.formUnion([.psl, .u850, .v850]); optional.insert(.t500) }
        if o.labelAR { required.insert(.iwv) }
        return (required, optional)
    }

    /// Streams the file one step at a time and writes the class mask (0 none, 1 tropical cyclone, 2 atmospheric river;
    /// byte, with flag_values/flag_meanings, the thresholds and provenance) on the input grid to `r.output.path`
    /// atomically, and the object table when asked for. Scores against the file's `true_class` when it has one. Under MPI
    /// ranks share the steps. Prints progress and unit notes on stderr unless quiet.
    /// - Throws: `TaskError` for bad thresholds, an existing output without `overwrite`, a missing variable or impossible
    /// units, or a grid without 1-D latitude/longitude.
    public static func run(_ r: LabelRequest) throws -> LabelReport {
        let started = Date()
        try r.options.validate()
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it")
        }
        let (required, optional) = roles(r.options)
        let input = try DetectInput(path: r.input, names: r.names, required: required, optional: optional)
        if !r.output.quiet { for n in input.notes { writeStderr("label: \(n)\n") } }
        if r.options.labelTC && input.names[.t500] == nil && !r.output.quiet {
            writeStderr("label: no 500 hPa temperature: the warm-core test is replaced by a pressure depth >= \(r.options.tcDepthWithoutWarmCore) hPa\n")
        }
        let truth = MaskFile.truthVariable(input.file).flatMap { try? MaskFile.read("\(r.input):\($0)", grid: input.grid) }
        // Under MPI the ranks label every N-th step and the first rank writes them all, in order.
        let group = r.output.group
        let writer = group.isRoot ? try MaskFile.create(r.output.path, like: input, longName: "heuristic event class (TECA-style labeller)",
                                         comment: "gridcnn label: " + r.options.summary, overwrite: r.output.overwrite, history: r.output.history,
                                         attributes: [NCAttribute("source", .text("gridcnn \(r.output.version) heuristic labeller on \(r.input)")),
                                                      NCAttribute("gridcnn_version", .text(r.output.version))]) : nil
        var objects = [DetectedObject]()
        var scores = MaskScores()
        var (tc, ar, tcPoints, arPoints, total) = (0, 0, 0, 0, 0)
        let progress = ProgressReporter("label", total: input.steps, quiet: r.output.quiet)
        try RankedSteps(group).run(steps: input.steps, compute: { i in
            try input.seek(to: i)
            guard let step = try input.next() else { throw TaskError("\(r.input): step \(i) could not be read") }
            let (mask, events) = Labeller.label(step.fields, grid: input.grid, options: r.options)
            let found = r.objects == nil ? [] : DetectedObject.find(mask: mask, grid: input.grid, fields: step.fields, step: step.index, time: step.date?.iso8601)
            return LabelledStep(index: step.index, time: step.time, mask: mask, cyclones: events.filter { $0.eventClass == 1 }.count,
                                rivers: events.filter { $0.eventClass == 2 }.count, objects: found)
        }, consume: { _, s in
            if let writer { try MaskFile.append(writer, mask: s.mask, grid: input.grid, time: s.time, input: input) }
            tc += s.cyclones; ar += s.rivers
            tcPoints += s.mask.filter { $0 == 1 }.count; arPoints += s.mask.filter { $0 == 2 }.count; total += s.mask.count
            if let truth, s.index < truth.count { scores.add(prediction: s.mask, reference: truth[s.index]) }
            objects += s.objects
            progress.update(s.index + 1)
        })
        try writer?.finish()
        guard group.isRoot else {   // the first rank reports
            return LabelReport(steps: input.steps, grid: [input.grid.height, input.grid.width], variables: [:], unitNotes: [], cyclones: 0, rivers: 0, tcFraction: 0, arFraction: 0,
                               againstTruth: nil, options: r.options, output: r.output.path, seconds: 0)
        }
        if let o = r.objects { try writeFileAtomically(try DetectedObject.encode(objects, asCSV: o.hasSuffix(".csv")), to: o) }
        return LabelReport(steps: input.steps, grid: [input.grid.height, input.grid.width],
                           variables: Dictionary(uniqueKeysWithValues: input.names.map { ($0.key.rawValue, $0.value) }),
                           unitNotes: input.notes, cyclones: tc, rivers: ar,
                           tcFraction: Double(tcPoints) / Double(max(total, 1)), arFraction: Double(arPoints) / Double(max(total, 1)),
                           againstTruth: truth == nil ? nil : scores, options: r.options, output: r.output.path,
                           seconds: Date().timeIntervalSince(started))
    }
}

/// One labelled step as it travels from the rank that labelled it to the one that writes: the mask as raw bytes
/// (JSON of 18,000 small numbers cost more than labelling), the rest as JSON.
struct LabelledStep: StepPayload {
    struct Summary: Codable {
        var index: Int
        var time: Double?
        var cyclones: Int
        var rivers: Int
        var objects: [DetectedObject]
    }
    var summary: Summary
    var mask: [Int8]

    init(index: Int, time: Double?, mask: [Int8], cyclones: Int, rivers: Int, objects: [DetectedObject]) {
        summary = Summary(index: index, time: time, cyclones: cyclones, rivers: rivers, objects: objects)
        self.mask = mask
    }
    var index: Int { summary.index }
    var time: Double? { summary.time }
    var cyclones: Int { summary.cyclones }
    var rivers: Int { summary.rivers }
    var objects: [DetectedObject] { summary.objects }

    func payloadBytes() throws -> [UInt8] {
        let head = Array(try JSONEncoder().encode(summary))
        return withUnsafeBytes(of: UInt64(head.count).littleEndian) { Array($0) } + head + mask.map { UInt8(bitPattern: $0) }
    }

    init(payloadBytes b: [UInt8]) throws {
        guard b.count >= 8 else { throw TaskError("a labelled step arrived damaged (\(b.count) bytes)") }
        let n = b.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard n <= b.count - 8 else { throw TaskError("a labelled step arrived damaged (\(b.count) bytes)") }
        summary = try JSONDecoder().decode(Summary.self, from: Data(b[8..<(8 + n)]))
        mask = b[(8 + n)...].map { Int8(bitPattern: $0) }
    }
}
