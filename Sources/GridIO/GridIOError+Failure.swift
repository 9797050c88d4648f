// GridIOError and WAVError as GridFailures: the file and variable each case names, for callers that report or match
// on them.
import GridTensor

extension GridIOError: GridFailure {
    /// The file the error is about, when the case names one (nil for shape, hyperslab, time-unit and argument errors).
    public var path: String? {
        switch self {
        case .fileNotFound(let p), .notNetCDF(let p), .notHDF5(let p), .outputExists(let p): return p
        case .truncatedOrCorrupt(let p, _), .writeFailed(let p, _), .library(let p, _): return p
        case .variableNotFound(_, _, let p), .dimensionNotFound(_, _, let p), .objectNotFound(_, _, let p): return p
        case .attributeNotFound(_, _, let p), .unsupportedType(_, _, let p), .tooLarge(_, _, let p): return p
        default: return nil
        }
    }

    /// The variable or HDF5 object the error is about, when the case names one.
    public var variable: String? {
        switch self {
        case .variableNotFound(let n, _, _), .objectNotFound(let n, _, _), .unsupportedType(let n, _, _), .tooLarge(let n, _, _):
            return n
        case .invalidHyperslab(let v, _): return v
        default: return nil
        }
    }
}

extension WAVError: GridFailure {
    /// The WAV file the error is about (every case names one).
    public var path: String? {
        switch self {
        case .fileNotFound(let p), .notRIFF(let p), .notWAVE(let p), .missingChunk(let p, _), .unsupportedCodec(let p, _, _),
             .unsupportedSampleSize(let p, _, _), .multichannel(let p, _), .truncated(let p, _), .empty(let p),
             .invalid(let p, _), .writeFailed(let p, _), .outputExists(let p): return p
        }
    }
}
