// `gridcnn evaluate detect`: a detector on held-out data, scored per class (IoU, precision, recall) against labels
// (the heuristic labeller's, with the thresholds the model was trained with, or a given label file), and, when the
// file carries the generator's truth, the CNN and the labeller both against that truth. A patch classifier is
// scored by per-class accuracy on patches cut around labelled objects and event-free places.
import Foundation
import GridTensor
import GridAutograd
import GridNN
import GridTrain

public struct DetectEvaluateRequest {
    public var model: String
    public var input: String
    /// FILE[:VAR] of reference labels; nil = the labeller on `input`.
    public var labels: String?
    /// FILE[:VAR] of the known truth; nil = the input's `true_class` when present.
    public var truth: String?
    public var names = DetectVariableNames()
    /// Labeller thresholds; nil = those the model's training labels were made with.
    public var labeller: LabellerOptions?
    public var figure: String?
    /// Clear CNN cyclone regions without a warm core, as `gridcnn detect` does.
    public var warmCoreCheck = true
    /// Run on the input grid as it is (no adaptation to the model's grid).
    public var native = false
    public var quiet = false
    public init(model: String, input: String) { self.model = model; self.input = input }
}

/// Per-class accuracy of a patch classifier.
public struct PatchScores: Codable, Equatable {
    /// confusion[reference][predicted]
    public var confusion: [[Int]]
    public var accuracy: [String: Double]
    public var meanAccuracy: Double
    public var patches: Int

    public static func evaluate(_ model: any Layer, _ s: PatchSamples) -> PatchScores {
        var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
        let plan = InferencePlan(model)
        for chunk in stride(from: 0, to: s.samples.count, by: 64) {
            let part = Array(s.samples[chunk..<min(chunk + 64, s.samples.count)])
            let x = Tensor(shape: [part.count, s.data.channels, s.size, s.size], scalars: part.flatMap { s.patch($0) })
            let logits = plan(x).scalars
            for (n, sample) in part.enumerated() {
                var best = 0
                for k in 1..<3 where logits[n * 3 + k] > logits[n * 3 + best] { best = k }
                confusion[sample.label][best] += 1
            }
        }
        var acc = [String: Double]()
        for c in EventClass.allCases where confusion[c.rawValue].reduce(0, +) > 0 {
            acc[c.short] = Double(confusion[c.rawValue][c.rawValue]) / Double(confusion[c.rawValue].reduce(0, +))
        }
        let mean = acc.isEmpty ? 0 : acc.values.reduce(0, +) / Double(acc.count)
        return PatchScores(confusion: confusion, accuracy: acc, meanAccuracy: mean, patches: s.samples.count)
    }
}

public struct DetectEvaluation: Codable {
    public var model: String
    public var kind: String
    public var input: String
    public var steps: Int
    public var labelSource: String
    public var truthSource: String?
    /// UNet: point-wise scores.
    public var cnnVsLabels: MaskScores?
    public var cnnVsTruth: MaskScores?
    public var labellerVsTruth: MaskScores?
    /// Patch classifier: per-class accuracy.
    public var patchVsLabels: PatchScores?
    public var patchVsTruth: PatchScores?
    public var labeller: LabellerOptions
    /// Whether CNN cyclone regions were checked for a warm core.
    public var warmCoreChecked: Bool
    /// The data contract: what was adapted, skipped, and how far the input's statistics are from training.
    public var contract: ContractCheck?
    public var notes: [String]
    public var seconds: Double
}

public enum DetectEvaluating {
    public static func run(_ r: DetectEvaluateRequest) throws -> DetectEvaluation {
        let started = Date()
        let detector = try Detector(path: r.model)
        let options = r.labeller ?? detector.spec.labeller
        try options.validate()
        let input = try detector.open(r.input, given: r.names)
        let session = try DetectSession(detector: detector, input: input, native: r.native)
        if !r.quiet { session.finish().printAdaptations("evaluate detect") }
        // The labeller needs its own roles too (T500 for the warm core when present).
        let labelInput = try DetectInput(path: r.input, names: detector.names(for: input.file, given: r.names),
                                         required: Labelling.roles(options).required, optional: Labelling.roles(options).optional)
        var notes = input.notes
        if URL(fileURLWithPath: detector.spec.trainFile).standardizedFileURL == URL(fileURLWithPath: r.input).standardizedFileURL {
            notes.append("the model was trained on this file: held-out steps \(detector.spec.validationSteps) only are unseen")
        }
        let steps = try input.readAll()
        let labelSteps = try labelInput.readAll()
        let heuristic = labelSteps.map { Labeller.label($0.fields, grid: labelInput.grid, options: options).mask }
        let labels = try r.labels.map { try MaskFile.read($0, grid: input.grid) } ?? heuristic
        guard labels.count == steps.count else { throw TaskError("\(r.labels!): \(labels.count) label steps for the \(steps.count) steps of \(r.input)") }
        var truthSource = r.truth
        if truthSource == nil, let v = MaskFile.truthVariable(input.file) { truthSource = "\(r.input):\(v)" }
        let truth = try truthSource.map { try MaskFile.read($0, grid: input.grid) }
        if let truth, truth.count != steps.count { throw TaskError("\(truthSource!): \(truth.count) truth steps for the \(steps.count) steps of \(r.input)") }

        var e = DetectEvaluation(model: r.model, kind: detector.kind, input: r.input, steps: steps.count,
                                 labelSource: r.labels ?? "labeller", truthSource: truthSource, labeller: options,
                                 warmCoreChecked: r.warmCoreCheck && input.names[.t500] != nil && detector.spec.kind == .unet,
                                 notes: notes, seconds: 0)
        let progress = ProgressReporter("evaluate", total: steps.count, quiet: r.quiet)
        switch detector.spec.kind {
        case .unet:
            var vsLabels = MaskScores(), vsTruth = MaskScores(), labVsTruth = MaskScores()
            var firstMask: [Int8]?
            for (k, s) in steps.enumerated() {
                let m = session.mask(s, grid: input.grid, warmCoreCheck: r.warmCoreCheck)
                if k == 0 { firstMask = m }
                vsLabels.add(prediction: m, reference: labels[k])
                if let truth { vsTruth.add(prediction: m, reference: truth[k]); labVsTruth.add(prediction: heuristic[k], reference: truth[k]) }
                progress.update(k + 1)
            }
            e.cnnVsLabels = vsLabels
            if truth != nil { e.cnnVsTruth = vsTruth; e.labellerVsTruth = labVsTruth }
            if let f = r.figure, let m = firstMask {
                var masks: [(String, [Int8])] = [("CNN", m), ("labeller", heuristic[0])]
                if let truth { masks.append(("truth", truth[0])) }
                try DetectFigure.write(f, grid: input.grid, fields: labelSteps[0].fields, masks: masks, step: 0)
            }
        case .patchcnn:
            let all = Array(0..<steps.count)
            let spec = detector.spec
            let onLabels = DetectTensors(spec: spec, steps: steps, labels: labels, grid: input.grid)
            e.patchVsLabels = PatchScores.evaluate(detector.model, PatchSamples(data: onLabels, grid: input.grid, steps: all, size: spec.patch, seed: 11, jitter: 0))
            if let truth {
                let onTruth = DetectTensors(spec: spec, steps: steps, labels: truth, grid: input.grid)
                e.patchVsTruth = PatchScores.evaluate(detector.model, PatchSamples(data: onTruth, grid: input.grid, steps: all, size: spec.patch, seed: 11, jitter: 0))
                var labVsTruth = MaskScores()
                for k in all { labVsTruth.add(prediction: heuristic[k], reference: truth[k]) }
                e.labellerVsTruth = labVsTruth
            }
            progress.update(steps.count)
        }
        e.contract = session.finish()
        if detector.spec.kind == .patchcnn && session.adaptation != nil {
            e.contract!.skipped.append("patch-classifier scores use patches cut from the input grid as it is (not adapted)")
        }
        if !r.quiet { e.contract!.printWarnings("evaluate detect") }
        e.seconds = Date().timeIntervalSince(started)
        return e
    }

    /// The text table printed by the CLI.
    public static func table(_ e: DetectEvaluation) -> String {
        var lines = ["event detection: \(e.kind) model \(e.model) on \(e.input), \(e.steps) steps; labels: \(e.labelSource)\(e.truthSource.map { "; truth: \($0)" } ?? "")\(e.warmCoreChecked ? "; CNN cyclones checked for a warm core" : "")"]
        func rows(_ name: String, _ s: MaskScores?) {
            guard let s else { return }
            for k in ["TC", "AR"] {
                let c = s.classes[k]!
                lines.append(name.padding(toLength: 22, withPad: " ", startingAt: 0) + k.padding(toLength: 4, withPad: " ", startingAt: 0)
                             + String(format: "%8.3f %10.3f %8.3f", c.iou, c.precision, c.recall))
            }
        }
        if e.cnnVsLabels != nil || e.labellerVsTruth != nil {
            lines.append("comparison            class   IoU  precision  recall")
            rows("CNN vs labels", e.cnnVsLabels); rows("CNN vs truth", e.cnnVsTruth); rows("labeller vs truth", e.labellerVsTruth)
        }
        for (name, p) in [("patch accuracy vs labels", e.patchVsLabels), ("patch accuracy vs truth", e.patchVsTruth)] {
            guard let p else { continue }
            lines.append("\(name) (\(p.patches) patches): " + ["none", "TC", "AR"].compactMap { k in p.accuracy[k].map { String(format: "%@ %.3f", k, $0) } }.joined(separator: ", ")
                         + String(format: "; mean %.3f", p.meanAccuracy))
        }
        lines += e.notes.map { "note: \($0)" }
        if let c = e.contract {
            lines += c.adaptations.map { "adapted: \($0)" } + c.skipped.map { "not checked: \($0)" } + c.warnings.map { "warning: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
