// Scores of a class mask against a reference mask, point by point and per class (IoU, precision, recall, counted
// over all time steps together), and the objects of a mask (connected regions per class) with the numbers a
// scientist tabulates: time, class, centroid, area, length, peak intensity.
import Foundation

/// Point-wise scores of one class, accumulated over time steps.
/// JSON keys: truePositives, falsePositives, falseNegatives, iou, precision, recall.
public struct ClassScores: Codable, Equatable, Sendable {
    /// Points of the class in both the prediction and the reference.
    public var truePositives = 0
    /// Points predicted as the class but not so in the reference.
    public var falsePositives = 0
    /// Reference points of the class the prediction missed.
    public var falseNegatives = 0
    /// Intersection over union: TP / (TP + FP + FN) (0 when the class is absent from both).
    public var iou: Double { Double(truePositives) / Double(max(truePositives + falsePositives + falseNegatives, 1)) }
    /// Fraction of predicted points that are right (1 when nothing is predicted and nothing is there).
    public var precision: Double {
        truePositives + falsePositives == 0 ? (falseNegatives == 0 ? 1 : 0) : Double(truePositives) / Double(truePositives + falsePositives)
    }
    /// Fraction of reference points found (1 when the reference has none).
    public var recall: Double {
        truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
    }
    init() {}

    enum CodingKeys: String, CodingKey { case truePositives, falsePositives, falseNegatives, iou, precision, recall }
    /// Writes the counts and the derived iou, precision and recall.
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encode(truePositives, forKey: .truePositives); try c.encode(falsePositives, forKey: .falsePositives)
        try c.encode(falseNegatives, forKey: .falseNegatives)
        try c.encode(iou, forKey: .iou); try c.encode(precision, forKey: .precision); try c.encode(recall, forKey: .recall)
    }
    /// Reads the counts (the derived scores are recomputed).
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        truePositives = try c.decode(Int.self, forKey: .truePositives); falsePositives = try c.decode(Int.self, forKey: .falsePositives)
        falseNegatives = try c.decode(Int.self, forKey: .falseNegatives)
    }
}

/// Scores of every event class ("TC", "AR") of predictions against a reference.
/// Used in `LabelReport.againstTruth` and `DetectEvaluation`; JSON keys classes, pointAccuracy, meanIoU, points.
public struct MaskScores: Codable, Equatable, Sendable {
    /// Per-class scores, keyed "TC" and "AR".
    public var classes: [String: ClassScores] = ["TC": ClassScores(), "AR": ClassScores()]
    /// Fraction of all points with the same class in both.
    public var pointAccuracy: Double { Double(agree) / Double(max(total, 1)) }
    /// Mean of the TC and AR IoU.
    public var meanIoU: Double { (classes["TC"]!.iou + classes["AR"]!.iou) / 2 }
    var agree = 0, total = 0
    init() {}

    /// Adds one time step (masks of equal length; reference values outside 0...2 are not counted).
    mutating func add(prediction: [Int8], reference: [Int8]) {
        precondition(prediction.count == reference.count, "masks of \(prediction.count) and \(reference.count) points")
        for (c, key) in [(Int8(1), "TC"), (Int8(2), "AR")] {
            var s = classes[key]!
            for k in prediction.indices where reference[k] >= 0 && reference[k] <= 2 {
                let p = prediction[k] == c, r = reference[k] == c
                if p && r { s.truePositives += 1 } else if p { s.falsePositives += 1 } else if r { s.falseNegatives += 1 }
            }
            classes[key] = s
        }
        for k in prediction.indices where reference[k] >= 0 && reference[k] <= 2 {
            total += 1
            if prediction[k] == reference[k] { agree += 1 }
        }
    }

    enum CodingKeys: String, CodingKey { case classes, pointAccuracy, meanIoU, points }
    /// Writes the class scores, point accuracy, mean IoU and the number of points counted.
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encode(classes, forKey: .classes); try c.encode(pointAccuracy, forKey: .pointAccuracy)
        try c.encode(meanIoU, forKey: .meanIoU); try c.encode(total, forKey: .points)
    }
    /// Reads what `encode(to:)` wrote.
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        classes = try c.decode([String: ClassScores].self, forKey: .classes)
        total = try c.decode(Int.self, forKey: .points)
        agree = Int((try c.decode(Double.self, forKey: .pointAccuracy) * Double(total)).rounded())
    }
}

/// One detected object: a connected region of one class in one time step.
struct DetectedObject: Codable, Equatable, Sendable {
    var step: Int
    var time: String?
    var eventClass: String
    var centroidLat: Double
    var centroidLon: Double
    var areaKm2: Double
    var lengthKm: Double
    /// TC: minimum sea-level pressure (hPa); AR: maximum column water vapour (kg m-2).
    var peak: Double?
    var peakUnits: String

    static let csvHeader = "step,time,class,centroid_lat,centroid_lon,area_km2,length_km,peak,peak_units"
    var csvLine: String {
        [String(step), time ?? "", eventClass, String(format: "%.3f", centroidLat), String(format: "%.3f", centroidLon),
         String(format: "%.0f", areaKm2), String(format: "%.0f", lengthKm), peak.map { String(format: "%.2f", $0) } ?? "", peakUnits]
            .joined(separator: ",")
    }

    /// CSV (by extension .csv) or a JSON array (anything else) of objects.
    static func encode(_ objects: [DetectedObject], asCSV: Bool) throws -> Data {
        if asCSV { return Data(([csvHeader] + objects.map(\.csvLine)).joined(separator: "\n").appending("\n").utf8) }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(objects)
    }

    /// The objects of one step's mask; `fields` gives PSL (Pa) and IWV for the peak intensities.
    static func find(mask: [Int8], grid: LatLonGrid, fields: [FieldRole: [Float]], step: Int, time: String?,
                     minimumPoints: Int = 1) -> [DetectedObject] {
        var out = [DetectedObject]()
        for cls in [EventClass.tropicalCyclone, .atmosphericRiver] {
            let member = mask.map { Int($0) == cls.rawValue }
            for r in grid.regions(member) where r.points.count >= minimumPoints {
                var peak: Double?
                if cls == .tropicalCyclone, let p = fields[.psl] {
                    peak = r.points.map { Double(p[$0]) }.filter(\.isFinite).min().map { $0 / 100 }
                } else if cls == .atmosphericRiver, let q = fields[.iwv] {
                    peak = r.points.map { Double(q[$0]) }.filter(\.isFinite).max()
                }
                out.append(DetectedObject(step: step, time: time, eventClass: cls.short, centroidLat: r.centroid.lat,
                                          centroidLon: r.centroid.lon, areaKm2: r.areaKm2, lengthKm: r.lengthKm, peak: peak,
                                          peakUnits: cls == .tropicalCyclone ? "hPa (min PSL)" : "kg m-2 (max IWV)"))
            }
        }
        return out
    }
}
