// Streaming readers: one time step, or one halo-padded spatial tile, per call, so memory stays bounded by a step
// or a tile whatever the file size. The chunk cache is set explicitly to hold the chunks one step touches, so chunks
// that span several steps are decompressed once rather than once per step.
import Foundation
import GridTensor

/// One time step of a variable: `data` has the variable's shape without the time dimension.
public struct TimeStep {
    /// The step's index along the variable's time dimension.
    public let index: Int
    /// The decoded time, when the variable has a CF time coordinate.
    public let date: CFDate?
    /// The step's values (Float32, CF-decoded unless the reader was made with `decode: false`).
    public let data: Tensor
}

/// Reads a variable one time step at a time: `while let step = try reader.next() { ... }`.
public final class TimeStepReader {
    /// The file read.
    public let file: NetCDFFile
    /// The variable read.
    public let variable: NCVariable
    /// Index of the time dimension among the variable's dimensions.
    public let timeDimension: Int
    /// The steps this reader visits.
    public let range: Range<Int>
    /// The chunk cache set for the variable (0 for classic files).
    public let cacheBytes: Int
    private let decode: Bool
    private let dates: [CFDate]?
    private var position: Int

    init(file: NetCDFFile, name: String, range: Range<Int>?, decode: Bool) throws {
        self.file = file
        variable = try file.variable(name)
        guard variable.rank >= 1 else { throw GridIOError.invalidArgument(detail: "'\(name)' is a scalar; it has no time steps") }
        let system = try file.coordinateSystem(for: name)
        timeDimension = system.dimensionIndex(.t) ?? variable.dimensions.firstIndex { $0.isUnlimited } ?? 0
        let steps = variable.shape[timeDimension]
        let r = range ?? 0..<steps
        guard r.lowerBound >= 0, r.upperBound <= steps else {
            throw GridIOError.invalidArgument(detail: "steps \(r) outside 0..<\(steps) of '\(name)'")
        }
        self.range = r
        position = r.lowerBound
        self.decode = decode
        if let t = system.dimensionCoordinates[timeDimension], t.kind == .time { dates = try? file.times(t.name) } else { dates = nil }
        var count = variable.shape
        count[timeDimension] = 1
        cacheBytes = try configureChunkCache(file, variable, stepCount: count)
    }

    /// The next step, or nil after the last one.
    public func next() throws -> TimeStep? {
        guard position < range.upperBound else { return nil }
        var start = [Int](repeating: 0, count: variable.rank)
        var count = variable.shape
        start[timeDimension] = position
        count[timeDimension] = 1
        let slab = try Hyperslab(variable: variable, start: start, count: count)
        let raw = try file.read(variable, slab, decode: decode)
        var shape = count
        shape.remove(at: timeDimension)
        let step = TimeStep(index: position, date: dates.flatMap { position < $0.count ? $0[position] : nil },
                            data: Tensor(storage: raw.storage, shape: shape, strides: contiguousStrides(shape)))
        position += 1
        return step
    }

    /// Starts again from the first step.
    public func reset() { position = range.lowerBound }

    /// The next `next()` reads step `step` (an index of the variable, within `range`): for jobs whose ranks each
    /// take every N-th step.
    public func seek(to step: Int) throws {
        guard range.contains(step) || step == range.upperBound else {
            throw GridIOError.invalidArgument(detail: "step \(step) outside \(range) of '\(variable.name)'")
        }
        position = step
    }
}

/// A rectangle of the spatial (last two) dimensions.
public struct TileRegion: Equatable, Sendable {
    /// Top-left row `y` and column `x`, and the size in rows and columns, in grid cells.
    public var y: Int, x: Int, height: Int, width: Int
}

/// One spatial tile: the `core` region it owns plus up to `halo` cells around it, clipped at the grid's edges.
public struct Tile {
    /// Indices of the leading (non-spatial) dimensions, e.g. [time] or [time, level].
    public let leadingIndex: [Int]
    /// The cells this tile owns: tiles' cores cover the grid exactly once.
    public let core: TileRegion
    /// The core plus up to `halo` cells on every side, clipped at the grid's edges: the region `data` holds.
    public let padded: TileRegion
    /// Where the core starts inside `data`: (core.y - padded.y, core.x - padded.x).
    public var coreOffset: (y: Int, x: Int) { (core.y - padded.y, core.x - padded.x) }
    /// The padded region, shape [padded.height, padded.width].
    public let data: Tensor
    /// The tile origin (top-left of the core).
    public var origin: (y: Int, x: Int) { (core.y, core.x) }
}

/// Reads a variable in halo-padded tiles of its last two dimensions, for every combination of leading indices (or
/// just the fixed ones given): `while let tile = try reader.next() { ... }`.
public final class TileReader {
    /// The file read.
    public let file: NetCDFFile
    /// The variable read (at least two dimensions; the last two are tiled).
    public let variable: NCVariable
    /// Core size of a tile in rows and columns (edge tiles are smaller), and the halo in cells added on each side.
    public let tileHeight: Int, tileWidth: Int, halo: Int
    /// Shape of the leading (non-spatial) dimensions; with `leading` fixed, a single index is visited.
    public let leadingShape: [Int]
    /// Number of leading index combinations visited.
    public let leadingCount: Int
    private let fixedLeading: [Int]?
    /// The chunk cache set for the variable, in bytes (0 for classic files).
    public let cacheBytes: Int
    private let decode: Bool
    private var leadingPosition = 0, tileRow = 0, tileColumn = 0

    init(file: NetCDFFile, name: String, tileHeight: Int, tileWidth: Int, halo: Int, leading: [Int]?, decode: Bool) throws {
        self.file = file
        variable = try file.variable(name)
        guard variable.rank >= 2 else { throw GridIOError.invalidArgument(detail: "'\(name)' has fewer than two dimensions to tile") }
        guard tileHeight > 0, tileWidth > 0, halo >= 0 else {
            throw GridIOError.invalidArgument(detail: "tile size must be positive and halo non-negative")
        }
        (self.tileHeight, self.tileWidth, self.halo, self.decode) = (tileHeight, tileWidth, halo, decode)
        leadingShape = Array(variable.shape.dropLast(2))
        if let fixed = leading {
            guard fixed.count == leadingShape.count, zip(fixed, leadingShape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
                throw GridIOError.invalidArgument(detail: "leading index \(fixed) does not fit \(leadingShape) of '\(name)'")
            }
            leadingCount = 1
        } else {
            leadingCount = saturatingProduct(leadingShape)
        }
        fixedLeading = leading
        var count = variable.shape
        for i in 0..<leadingShape.count { count[i] = 1 }
        count[count.count - 2] = min(count[count.count - 2], tileHeight + 2 * halo)
        count[count.count - 1] = min(count[count.count - 1], tileWidth + 2 * halo)
        cacheBytes = try configureChunkCache(file, variable, stepCount: count)
    }

    /// The `position`-th leading index in row-major order (computed, so no list of combinations is ever built).
    private func leadingIndex(_ position: Int) -> [Int] {
        if let fixed = fixedLeading { return fixed }
        var rest = position
        var index = [Int](repeating: 0, count: leadingShape.count)
        for k in stride(from: leadingShape.count - 1, through: 0, by: -1) {
            index[k] = rest % leadingShape[k]
            rest /= leadingShape[k]
        }
        return index
    }

    /// Tiles per leading index: rows x columns.
    public var tilesPerStep: Int {
        let (h, w) = (variable.shape[variable.rank - 2], variable.shape[variable.rank - 1])
        return ((h + tileHeight - 1) / tileHeight) * ((w + tileWidth - 1) / tileWidth)
    }

    /// The next tile, or nil after the last.
    public func next() throws -> Tile? {
        let (h, w) = (variable.shape[variable.rank - 2], variable.shape[variable.rank - 1])
        guard h > 0, w > 0, leadingPosition < leadingCount else { return nil }
        let lead = leadingIndex(leadingPosition)
        let core = TileRegion(y: tileRow * tileHeight, x: tileColumn * tileWidth,
                              height: min(tileHeight, h - tileRow * tileHeight), width: min(tileWidth, w - tileColumn * tileWidth))
        let y0 = max(core.y - halo, 0), x0 = max(core.x - halo, 0)
        let padded = TileRegion(y: y0, x: x0, height: min(core.y + core.height + halo, h) - y0, width: min(core.x + core.width + halo, w) - x0)
        let slab = try Hyperslab(variable: variable, start: lead + [padded.y, padded.x],
                                 count: lead.map { _ in 1 } + [padded.height, padded.width])
        let raw = try file.read(variable, slab, decode: decode)
        let shape = [padded.height, padded.width]
        // Advance: columns, then rows, then leading indices.
        tileColumn += 1
        if tileColumn * tileWidth >= w { tileColumn = 0; tileRow += 1 }
        if tileRow * tileHeight >= h { tileRow = 0; leadingPosition += 1 }
        return Tile(leadingIndex: lead, core: core, padded: padded, data: Tensor(storage: raw.storage, shape: shape, strides: contiguousStrides(shape)))
    }

    /// Starts again from the first tile.
    public func reset() { (leadingPosition, tileRow, tileColumn) = (0, 0, 0) }
}

extension NetCDFFile {
    /// Streams variable `name` one time step at a time (the CF time dimension, else the unlimited one, else the first).
    public func timeSteps(of name: String, range: Range<Int>? = nil, decode: Bool = true) throws -> TimeStepReader {
        try TimeStepReader(file: self, name: name, range: range, decode: decode)
    }

    /// Streams variable `name` in tiles of `tileHeight` x `tileWidth` over its last two dimensions, each padded by
    /// `halo` cells (clipped at the edges); `leading` fixes the other indices, nil visits them all.
    public func tiles(of name: String, tileHeight: Int, tileWidth: Int, halo: Int = 0, leading: [Int]? = nil,
                      decode: Bool = true) throws -> TileReader {
        try TileReader(file: self, name: name, tileHeight: tileHeight, tileWidth: tileWidth, halo: halo, leading: leading, decode: decode)
    }
}

/// Sets the chunk cache so that the chunks touched by one read of `stepCount` fit (1 MiB to 1 GiB); returns its size.
func configureChunkCache(_ file: NetCDFFile, _ v: NCVariable, stepCount: [Int]) throws -> Int {
    guard !file.format.isClassicFamily, let chunks = v.chunkSizes, chunks.count == stepCount.count else { return 0 }
    var chunkCount = 1.0, chunkBytes = Double(max(v.type.size, 1))
    for i in chunks.indices where chunks[i] > 0 {
        let c = chunks[i], n = stepCount[i], length = max(v.shape[i], 1)
        // An unaligned read can straddle one more chunk than it covers, but never more than the dimension has.
        chunkCount *= Double(min((n + c - 1) / c + 1, (length + c - 1) / c))
        chunkBytes *= Double(c)
    }
    let wanted = chunkCount * chunkBytes
    let bytes = Int(min(max(wanted, Double(1 << 20)), Double(1 << 30)))
    try file.setChunkCache(v, bytes: bytes, slots: max(1009, Int(min(chunkCount, Double(1 << 20))) * 20 + 1))
    return bytes
}
