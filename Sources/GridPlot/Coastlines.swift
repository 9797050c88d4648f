// Shorelines from GSHHG (Wessel & Smith), as GMT distributes them (Debian gmt-gshhg-low): NetCDF files read through
// GridIO. Layout of binned_GSHHS_<res>.nc: the globe is cut into square bins (Bin_size_in_minutes), numbered west to
// east from 0°E and north to south from 90°N; each bin lists its segments (Id_of_first_segment_in_a_bin,
// N_segments_in_a_bin); a segment's packed word holds its point count (>> 9) and level (>> 6 & 7: 1 shore, 2 lake,
// 3 island in a lake, 4 pond, 6 Antarctic grounding line); points are 16-bit unsigned offsets from the bin's
// south-west corner in 1/65535 of the bin size. Antarctica is drawn by its ice front (level 1), as GMT does.
import Foundation
import GridIO
import GridTensor

/// One closed GSHHG polygon.
public struct Shoreline: Sendable {
    /// (latitude, longitude 0...360) points.
    public var points: [(lat: Double, lon: Double)]
    /// GSHHG level: 1 shore (Antarctica by its ice front), 2 lake, 3 island in a lake, 4 pond.
    public var level: Int
    /// Its longitude extent (0...360 degrees east), to skip it quickly when off the map.
    public var lonRange: ClosedRange<Double>
    /// Its latitude extent in degrees north.
    public var latRange: ClosedRange<Double>
}

/// GSHHG shorelines (Wessel and Smith) from the files Debian's `gmt-gshhg` packages install, read through GridIO and
/// cached per process (thread-safe).
public enum Coastlines {
    /// GSHHG resolutions: crude, low, intermediate.
    public enum Resolution: String, Sendable { case crude = "c", low = "l", intermediate = "i" }

    /// Where Debian's `gmt-gshhg-low` (and `-high`, `-full`) put the binned GSHHS NetCDF files.
    public static let directory = "/usr/share/gmt-gshhg"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache = [Resolution: [Shoreline]]()

    /// The resolution that suits a map spanning `degrees` of longitude.
    public static func resolution(forSpan degrees: Double) -> Resolution {
        degrees > 40 ? .low : .intermediate
    }

    /// Shorelines (levels 1-4) of the given resolution, read once per process.
    public static func load(_ resolution: Resolution, directory: String = Coastlines.directory) throws -> [Shoreline] {
        lock.lock(); defer { lock.unlock() }
        if directory == Coastlines.directory, let c = cache[resolution] { return c }
        let path = "\(directory)/binned_GSHHS_\(resolution.rawValue).nc"
        guard FileManager.default.fileExists(atPath: path) else {
            throw GridError("coastlines \(path) are missing; install Debian gmt-gshhg-low (scripts/setup.sh)", path: path)
        }
        let lines = try read(path)
        if directory == Coastlines.directory { cache[resolution] = lines }
        return lines
    }

    static func read(_ path: String) throws -> [Shoreline] {
        let file = try NetCDFFile(path: path)
        func ints(_ name: String) throws -> [Int] { try file.readDoubles(name, decode: false).map { Int($0) } }
        do {
            let binMinutes = try ints("Bin_size_in_minutes")[0]
            let binsAcross = try ints("N_bins_in_360_longitude_range")[0]
            let firstSegment = try ints("Id_of_first_segment_in_a_bin"), segments = try ints("N_segments_in_a_bin")
            let packed = try ints("Embedded_npts_levels_exit_entry_for_a_segment")
            let firstPoint = try ints("Id_of_first_point_in_a_segment")
            let dx = try ints("Relative_longitude_from_SW_corner_of_bin"), dy = try ints("Relative_latitude_from_SW_corner_of_bin")
            let size = Double(binMinutes) / 60
            guard binMinutes > 0, binsAcross > 0, firstSegment.count == segments.count, packed.count == firstPoint.count, dx.count == dy.count else {
                throw GridError("\(path): not a GSHHG binned shoreline file (inconsistent bin and segment tables)", path: path)
            }
            var out = [Shoreline]()
            for bin in 0..<segments.count {
                let west = Double(bin % binsAcross) * size, south = 90 - Double(bin / binsAcross + 1) * size
                for s in firstSegment[bin]..<(firstSegment[bin] + segments[bin]) {
                    guard s >= 0, s < packed.count else { throw GridError("\(path): segment \(s) of bin \(bin) is out of range", path: path) }
                    let n = packed[s] >> 9, level = (packed[s] >> 6) & 7, p0 = firstPoint[s]
                    guard (1...4).contains(level), n >= 2 else { continue }
                    guard p0 >= 0, p0 + n <= dx.count else { throw GridError("\(path): points of segment \(s) are out of range", path: path) }
                    // Offsets are unsigned 16-bit values stored in a signed short.
                    let pts = (p0..<(p0 + n)).map { k in
                        (lat: south + Double(dy[k] & 0xFFFF) / 65535 * size, lon: west + Double(dx[k] & 0xFFFF) / 65535 * size)
                    }
                    let lons = pts.map(\.lon), lats = pts.map(\.lat)
                    out.append(Shoreline(points: pts, level: level, lonRange: lons.min()!...lons.max()!, latRange: lats.min()!...lats.max()!))
                }
            }
            return out
        } catch let e as GridIOError {
            throw GridError("\(path): not a GSHHG binned shoreline file (\(e))", path: path, underlying: e)
        }
    }
}
