// `gridcnn detect`: a trained detector over every time step of a file, streamed (one step in memory), writing the
// class mask on the input grid with flag_values/flag_meanings and provenance, the objects (CSV or JSON), and a PNG
// of the mask outlined on sea-level pressure and column water vapour for one step.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridIO
import GridTrain

public struct DetectRequest {
    public var model: String
    public var input: String
    /// Where the result goes, overwrite, quiet, provenance.
    public var output: OutputSettings
    public var names = DetectVariableNames()
    public var objects: String?
    public var figure: String?
    /// The step drawn in the figure (default: the one with the most detected points).
    public var figureStep: Int?
    /// Clear cyclone regions without a warm core (needs T500 and PSL in the input).
    public var warmCoreCheck = true
    /// Objects smaller than this many grid points are left out of the object table (not the mask).
    public var minimumPoints = 2
    /// Run on the input grid as it is (no reordering, wrapping or regridding to the model's grid).
    public var native = false
    public init(model: String, input: String, output: String) { self.model = model; self.input = input; self.output = OutputSettings(path: output, history: "gridcnn detect") }
}

public struct DetectReport: Codable {
    public var steps: Int
    public var grid: [Int]
    public var model: String
    public var variables: [String: String]
    public var unitNotes: [String]
    public var objects: [String: Int]
    public var tcFraction: Double
    public var arFraction: Double
    public var figureStep: Int?
    /// Whether cyclone regions were checked for a warm core (T500 present and the check on).
    public var warmCoreChecked: Bool
    /// The data contract: what was adapted, skipped, and how far the input's statistics are from training.
    public var contract: ContractCheck
    public var output: String
    public var seconds: Double
}

/// A loaded detector: network, spec and how to get a mask from one step.
public struct Detector {
    public let spec: DetectSpec
    public let model: any Layer
    /// The model compiled for inference (folded batch norms, fused epilogues), reused for every step.
    public let plan: InferencePlan
    public let multiple: Int
    public let kind: String

    public init(path: String) throws {
        let trained = try TrainedModel<DetectSpec>(checkpoint: path, task: "detect")
        spec = trained.spec; model = trained.model; multiple = trained.inputMultiple; kind = trained.checkpoint.modelKind
        plan = InferencePlan(trained.model)
    }

    /// Variable names for an input: the user's, else the names the model was trained with when the file has them,
    /// else the usual names.
    public func names(for file: NetCDFFile, given: DetectVariableNames) -> DetectVariableNames {
        var n = given
        for ch in spec.channels where given[ch.role] == nil && file.hasVariable(ch.variable) {
            switch ch.role {
            case .psl: n.psl = ch.variable
            case .u850: n.u850 = ch.variable
            case .v850: n.v850 = ch.variable
            case .iwv: n.iwv = ch.variable
            case .t500: n.t500 = ch.variable
            }
        }
        return n
    }

    /// Opens an input with the roles the model needs (and PSL/IWV for object intensities, T500 for the warm-core
    /// check, when present).
    public func open(_ path: String, given: DetectVariableNames) throws -> DetectInput {
        let file = try NetCDFFile(path: path)
        let required = Set(spec.channels.map(\.role))
        return try DetectInput(path: path, names: names(for: file, given: given), required: required,
                               optional: Set([FieldRole.psl, .iwv, .t500]).subtracting(required))
    }

    /// Class mask of one step. With `warmCoreCheck` and T500 and PSL at hand, cyclone regions whose lowest point
    /// has no warm core (the labeller's test and thresholds) are cleared: the network proposes, physics confirms.
    public func mask(_ step: DetectStep, grid: LatLonGrid, warmCoreCheck: Bool = true) -> [Int8] {
        var m = networkMask(spec.input(step.fields, grid: grid), grid: grid)
        if warmCoreCheck, let t = step.fields[.t500], let p = step.fields[.psl] {
            Detector.clearColdCores(&m, psl: p, t500: t, grid: grid, options: spec.labeller)
        }
        return m
    }

    /// The network's class per point for the input [1, C, H, W] on `grid`.
    public func networkMask(_ x: Tensor, grid: LatLonGrid) -> [Int8] {
        switch spec.kind {
        case .unet: return DetectModel.segment(plan, x, multiple: multiple, periodic: grid.periodic)
        case .patchcnn: return slidingWindow(x, grid: grid)
        }
    }

    /// Clears TC regions without a warm core at their pressure minimum.
    static func clearColdCores(_ mask: inout [Int8], psl: [Float], t500: [Float], grid g: LatLonGrid, options o: LabellerOptions) {
        let w = g.width
        for r in g.regions(mask.map { $0 == 1 }) {
            guard let centre = r.points.filter({ psl[$0].isFinite }).min(by: { psl[$0] < psl[$1] }) else { continue }
            guard let warm = g.warmCore(t500, at: centre / w, centre % w, core: o.tcCoreRadius, inner: o.tcEnvironmentInner,
                                        outer: o.tcEnvironmentOuter), warm < o.tcWarmCore else { continue }
            for k in r.points { mask[k] = 0 }
        }
    }

    /// Patch classifier as a detector: classify the patch around every `step`-th point and paint the
    /// step x step block at its centre with the patch's class.
    func slidingWindow(_ x: Tensor, grid: LatLonGrid, step: Int = 4) -> [Int8] {
        let (h, w, c, p) = (grid.height, grid.width, spec.inputChannels, spec.patch)
        let tensors = DetectTensors(raw: x.scalars, channels: c, height: h, width: w, periodic: grid.periodic, flipSign: [])
        var mask = [Int8](repeating: 0, count: h * w)
        var centres = [(Int, Int)]()
        for y in stride(from: 0, to: h, by: step) { for xx in stride(from: 0, to: w, by: step) { centres.append((y, xx)) } }
        for chunk in stride(from: 0, to: centres.count, by: 64) {
            let part = centres[chunk..<min(chunk + 64, centres.count)]
            var xs = [Float]()
            for (y, xx) in part { xs += tensors.crop(0, y0: y + step / 2 - p / 2, x0: xx + step / 2 - p / 2, size: p, mirror: false).0 }
            let logits = plan(Tensor(shape: [part.count, c, p, p], scalars: xs)).scalars
            for (n, (y, xx)) in part.enumerated() {
                var best = 0
                for k in 1..<3 where logits[n * 3 + k] > logits[n * 3 + best] { best = k }
                for dy in 0..<step where y + dy < h { for dx in 0..<step where xx + dx < w { mask[(y + dy) * w + xx + dx] = Int8(best) } }
            }
        }
        return mask
    }
}

extension DetectTensors {
    /// One already-standardised step (for inference).
    init(raw: [Float], channels: Int, height: Int, width: Int, periodic: Bool, flipSign: Set<Int>) {
        self.channels = channels; self.height = height; self.width = width; self.periodic = periodic
        inputs = [raw]; labels = [[Int8](repeating: 0, count: height * width)]; self.flipSign = flipSign
    }
}

public enum DetectApplying {
    public static func run(_ r: DetectRequest) throws -> DetectReport {
        let started = Date()
        if FileManager.default.fileExists(atPath: r.output.path) && !r.output.overwrite {
            throw TaskError("\(r.output.path): exists; pass --overwrite to replace it")
        }
        let detector = try Detector(path: r.model)
        let input = try detector.open(r.input, given: r.names)
        let session = try DetectSession(detector: detector, input: input, native: r.native)
        if !r.output.quiet {
            session.finish().printAdaptations("detect")
            if r.warmCoreCheck && input.names[.t500] == nil {
                writeStderr("detect: no 500 hPa temperature: cyclone regions are not checked for a warm core\n")
            }
        }
        let checksum = try SHA256.hex(file: r.model)
        // Under MPI the ranks detect every N-th step and the first rank writes them all, in order.
        let group = r.output.group
        let writer = group.isRoot ? try MaskFile.create(r.output.path, like: input, longName: "detected event class (\(detector.kind) CNN)",
                                         comment: "gridcnn detect with \(r.model) (\(detector.kind), trained on \(detector.spec.trainFile) with labels from \(detector.spec.labelSource))",
                                         overwrite: r.output.overwrite, history: r.output.history,
                                         attributes: [NCAttribute("source", .text("gridcnn \(r.output.version) event detection (\(detector.kind)) of \(r.input)")),
                                                      NCAttribute("gridcnn_version", .text(r.output.version)),
                                                      NCAttribute("gridcnn_model", .text(r.model)),
                                                      NCAttribute("gridcnn_model_sha256", .text(checksum))]) : nil
        var objects = [DetectedObject]()
        var (tcPoints, arPoints, total) = (0, 0, 0)
        var best: (step: Int, points: Int, mask: [Int8])?
        let progress = ProgressReporter("detect", total: input.steps, quiet: r.output.quiet)
        try RankedSteps(group).run(steps: input.steps, compute: { i in
            try input.seek(to: i)
            guard let step = try input.next() else { throw TaskError("\(r.input): step \(i) could not be read") }
            let mask = session.mask(step, grid: input.grid, warmCoreCheck: r.warmCoreCheck)
            let found = r.objects == nil ? [] : DetectedObject.find(mask: mask, grid: input.grid, fields: step.fields, step: step.index,
                                                                   time: step.date?.iso8601, minimumPoints: r.minimumPoints)
            return LabelledStep(index: step.index, time: step.time, mask: mask, cyclones: 0, rivers: 0, objects: found)
        }, consume: { _, s in
            try writer.map { try MaskFile.append($0, mask: s.mask, grid: input.grid, time: s.time, input: input) }
            let events = s.mask.filter { $0 > 0 }.count
            tcPoints += s.mask.filter { $0 == 1 }.count; arPoints += events - s.mask.filter { $0 == 1 }.count; total += s.mask.count
            objects += s.objects
            if r.figure != nil {
                let wanted = r.figureStep.map { $0 == s.index } ?? (best == nil || events > best!.points)
                if wanted { best = (s.index, events, s.mask) }
            }
            progress.update(s.index + 1)
        })
        if let s = r.figureStep, r.figure != nil, best == nil { throw TaskError("--figure-step \(s) is not within the \(input.steps) steps of \(r.input)") }
        try writer?.finish()
        guard group.isRoot else {   // the first rank writes and reports
            return DetectReport(steps: input.steps, grid: [input.grid.height, input.grid.width], model: r.model, variables: [:], unitNotes: [],
                                objects: [:], tcFraction: 0, arFraction: 0, figureStep: nil, warmCoreChecked: false,
                                contract: session.finish(), output: r.output.path, seconds: 0)
        }
        if let o = r.objects { try writeFileAtomically(try DetectedObject.encode(objects, asCSV: o.hasSuffix(".csv")), to: o) }
        if let f = r.figure, let b = best {
            // The figure's step is read again: its fields need not have travelled from another rank.
            try input.seek(to: b.step)
            guard let step = try input.next() else { throw TaskError("\(r.input): step \(b.step) could not be read") }
            try DetectFigure.write(f, grid: input.grid, fields: step.fields, masks: [("detected", b.mask)], step: b.step)
        }
        let contract = session.finish()
        if !r.output.quiet { contract.printWarnings("detect") }
        var counts = ["TC": 0, "AR": 0]
        for o in objects { counts[o.eventClass, default: 0] += 1 }
        return DetectReport(steps: input.steps, grid: [input.grid.height, input.grid.width], model: r.model,
                            variables: Dictionary(uniqueKeysWithValues: input.names.map { ($0.key.rawValue, $0.value) }),
                            unitNotes: input.notes, objects: r.objects == nil ? [:] : counts,
                            tcFraction: Double(tcPoints) / Double(max(total, 1)), arFraction: Double(arPoints) / Double(max(total, 1)),
                            figureStep: best?.step, warmCoreChecked: r.warmCoreCheck && input.names[.t500] != nil, contract: contract, output: r.output.path, seconds: Date().timeIntervalSince(started))
    }
}
