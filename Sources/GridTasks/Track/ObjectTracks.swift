// Object tracks (atmospheric rivers, blobs), as TempestExtremes' StitchBlobs links them: connected regions of a mask
// per step (longitude periodic on global grids), each linked to the previous step's objects it overlaps by at
// least a fraction of the smaller of the two. Pairs are linked largest overlap first, so an object that splits
// keeps its id on its largest part and the other parts start objects recorded as split from it; objects that merge
// continue under the id of the one with the largest overlap, and the others are recorded as merged into it. Only
// the previous step's objects are kept, so the stream is bounded; lifetimes are known at the end, which is why the
// job runs the (deterministic) tracker twice: once to decide which ids last long enough, once to write them.
import Foundation

/// Thresholds of object tracking (`gridcnn track-objects`): which regions are objects and which overlaps link them.
public struct ObjectTrackOptions: Codable, Equatable, Sendable {
    /// Regions smaller than this many grid points are not objects.
    public var minPoints = 4
    /// Overlap (shared points) / points of the smaller of two regions at least this to link them.
    public var minOverlap = 0.25
    /// Objects present in fewer steps are dropped.
    public var minSteps = 2
    /// Neighbourhood of a region's points: 8 (default) or 4.
    public var connectivity = 8
    /// Objects of at least 4 points, linked at 25 % overlap, kept when present in at least 2 steps, 8-connected.
    public init() {}

    /// Checks the thresholds.
    /// - Throws: `TaskError` unless minPoints >= 1, 0 < minOverlap <= 1, minSteps >= 1 and connectivity is 4 or 8.
    public func validate() throws {
        guard minPoints >= 1, minOverlap > 0, minOverlap <= 1, minSteps >= 1, connectivity == 4 || connectivity == 8 else {
            throw TaskError("object tracking: --min-points >= 1, --min-overlap in (0, 1], --min-steps >= 1 and --connectivity 4 or 8")
        }
    }
}

/// One object's life.
/// Reported in `ObjectTrackReport.objects`.
public struct TrackedObject: Codable, Equatable, Sendable {
    /// The object's id, as written in the output's object_id variable.
    public var id: Int
    /// First time step (0-based) the object is present.
    public var firstStep: Int
    /// Last time step it is present.
    public var lastStep: Int
    /// Steps it is present in.
    public var steps: Int
    /// Its largest area over its life (km^2).
    public var maxAreaKm2: Double
    /// The object this one split from, when it began as a part of another.
    public var splitFrom: Int?
    /// Objects that merged into this one.
    public var mergedFrom: [Int] = []
}

final class ObjectTracker {
    let options: ObjectTrackOptions
    private(set) var objects = [Int: TrackedObject]()
    private var previous = [(id: Int, points: Set<Int>)]()

    init(options: ObjectTrackOptions) { self.options = options }

    /// Links one step's mask; returns the object id of every point (0: none).
    func add(_ member: [Bool], grid g: LatLonGrid, step: Int) -> [Int32] {
        let regions = g.regions(member, connectivity: options.connectivity).filter { $0.points.count >= options.minPoints }
        var pairs = [(overlap: Int, region: Int, previous: Int)]()
        for (r, region) in regions.enumerated() {
            for (p, prev) in previous.enumerated() {
                let shared = region.points.reduce(0) { $0 + (prev.points.contains($1) ? 1 : 0) }
                if shared > 0, Double(shared) >= options.minOverlap * Double(min(region.points.count, prev.points.count)) {
                    pairs.append((shared, r, p))
                }
            }
        }
        pairs.sort { ($1.overlap, $0.region, $0.previous) < ($0.overlap, $1.region, $1.previous) }
        var idOf = [Int?](repeating: nil, count: regions.count), continued = Set<Int>()
        for pair in pairs where idOf[pair.region] == nil && !continued.contains(pair.previous) {
            idOf[pair.region] = previous[pair.previous].id
            continued.insert(pair.previous)
        }
        var labels = [Int32](repeating: 0, count: member.count)
        for (r, region) in regions.enumerated() {
            let area = region.areaKm2
            if let id = idOf[r] {
                objects[id]!.lastStep = step; objects[id]!.steps += 1; objects[id]!.maxAreaKm2 = max(objects[id]!.maxAreaKm2, area)
            } else {
                let id = objects.count + 1
                idOf[r] = id
                let parent = pairs.first { $0.region == r }.map { previous[$0.previous].id }   // the largest overlap
                objects[id] = TrackedObject(id: id, firstStep: step, lastStep: step, steps: 1, maxAreaKm2: area, splitFrom: parent)
            }
            for k in region.points { labels[k] = Int32(idOf[r]!) }
        }
        // Merges: previous objects that overlap a region continued by another object end in it.
        for pair in pairs where idOf[pair.region] != previous[pair.previous].id && !continued.contains(pair.previous) {
            let into = idOf[pair.region]!
            if !objects[into]!.mergedFrom.contains(previous[pair.previous].id) { objects[into]!.mergedFrom.append(previous[pair.previous].id) }
            continued.insert(pair.previous)
        }
        previous = regions.enumerated().map { (idOf[$0.offset]!, Set($0.element.points)) }
        return labels
    }

    /// Raw id -> final id (1, 2, ... in order of birth) for the objects that last `minSteps`.
    func kept() -> [Int: Int32] {
        let ids = objects.values.filter { $0.steps >= options.minSteps }.map(\.id).sorted()
        return Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, Int32($0.offset + 1)) })
    }
}
