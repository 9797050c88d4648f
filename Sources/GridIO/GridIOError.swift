// Every failure of the I/O layer, from a missing file to a failed libnetcdf call, becomes one of these cases, so
// callers can match on what went wrong and users see one line that names the file.
import CNetCDF
import Foundation

/// A typed error of the GridIO layer. `description` is a one-line message such as
/// `input.nc: no variable 'tas' (variables: pr, psl, uas)`.
public enum GridIOError: Error, Equatable, Sendable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but is not NetCDF (no CDF or HDF5 signature).
    case notNetCDF(path: String)
    /// The file exists but is not HDF5.
    case notHDF5(path: String)
    /// The file has a NetCDF/HDF5 signature but its header or data cannot be read.
    case truncatedOrCorrupt(path: String, detail: String)
    /// No variable of that name; `available` lists the variables that do exist.
    case variableNotFound(name: String, available: [String], path: String)
    /// No dimension of that name.
    case dimensionNotFound(name: String, available: [String], path: String)
    /// No HDF5 group or dataset at that path.
    case objectNotFound(name: String, available: [String], path: String)
    /// No attribute of that name on `owner` (a variable name, or "global").
    case attributeNotFound(name: String, owner: String, path: String)
    /// A tensor or hyperslab does not have the shape the file needs.
    case shapeMismatch(what: String, expected: [Int], got: [Int])
    /// start/count/stride do not fit the variable.
    case invalidHyperslab(variable: String, detail: String)
    /// The variable or attribute type cannot be converted (char, string, compound, ...).
    case unsupportedType(name: String, type: String, path: String)
    /// A read would need more memory than the machine has; usually a corrupt header.
    case tooLarge(name: String, bytes: Int, path: String)
    /// A variable declares more values than any real grid has (10^12 or more): a corrupt or hostile header. Refused
    /// before anything is allocated or read.
    case absurdSize(name: String, values: Int, path: String)
    /// The output exists and `overwrite` was false.
    case outputExists(path: String)
    /// Creating, writing or renaming the output failed; the temporary file has been removed.
    case writeFailed(path: String, detail: String)
    /// Time units are not "<unit> since <date>".
    case invalidTimeUnits(units: String)
    /// The calendar attribute names a calendar this layer does not implement.
    case unsupportedCalendar(name: String)
    /// A caller-side mistake (bad tile size, unknown axis, ...).
    case invalidArgument(detail: String)
    /// Any other library failure.
    case library(path: String, detail: String)
}

extension GridIOError: CustomStringConvertible, LocalizedError {
    /// One line naming the file and what is wrong, e.g. `input.nc: no variable 'tas' (variables: pr, psl, uas)`.
    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case .notNetCDF(let path): return "\(path): not a NetCDF file"
        case .notHDF5(let path): return "\(path): not an HDF5 file"
        case .truncatedOrCorrupt(let path, let detail): return "\(path): file is truncated or corrupt (\(detail))"
        case .variableNotFound(let name, let available, let path):
            return "\(path): no variable '\(name)' (variables: \(GridIOError.list(available)))"
        case .dimensionNotFound(let name, let available, let path):
            return "\(path): no dimension '\(name)' (dimensions: \(GridIOError.list(available)))"
        case .objectNotFound(let name, let available, let path):
            return "\(path): no object '\(name)' (objects: \(GridIOError.list(available)))"
        case .attributeNotFound(let name, let owner, let path): return "\(path): \(owner) has no attribute '\(name)'"
        case .shapeMismatch(let what, let expected, let got):
            return "\(what): expected shape \(shapeText(expected)), got \(shapeText(got))"
        case .invalidHyperslab(let variable, let detail): return "invalid hyperslab of '\(variable)': \(detail)"
        case .unsupportedType(let name, let type, let path): return "\(path): '\(name)' has unsupported type \(type)"
        case .tooLarge(let name, let bytes, let path):
            return "\(path): reading '\(name)' needs \(bytes) bytes, more than this machine's memory"
        case .absurdSize(let name, let values, let path):
            return "\(path): '\(name)' declares \(values) values, beyond the 10^12 gridcnn reads (the header is likely corrupt)"
        case .outputExists(let path): return "\(path): output exists (pass overwrite to replace it)"
        case .writeFailed(let path, let detail): return "\(path): write failed (\(detail))"
        case .invalidTimeUnits(let units):
            return "invalid time units '\(units)' (expected '<days|hours|minutes|seconds> since YYYY-MM-DD[ HH:MM:SS]')"
        case .unsupportedCalendar(let name): return "unsupported calendar '\(name)'"
        case .invalidArgument(let detail): return detail
        case .library(let path, let detail): return "\(path): \(detail)"
        }
    }

    /// The same line as ``description`` (Foundation's `localizedDescription`).
    public var errorDescription: String? { description }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
}

private func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// The library's message for a netCDF status code.
func ncMessage(_ status: Int32) -> String {
    guard let text = nc_strerror(status) else { return "netCDF error \(status)" }
    return String(cString: text)
}
