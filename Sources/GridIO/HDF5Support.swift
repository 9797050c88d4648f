// Shared pieces of the HDF5 reader and writer: attribute values, id ownership, path handling.
import CHDF5
import Foundation

/// An HDF5 attribute value. Scalars and one-element arrays are distinct, as they are to h5py.
public enum HDF5Value: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case int(Int64)
    case ints([Int64])
    case double(Double)
    case doubles([Double])

    /// The value as h5dump-like text: strings quoted, arrays in brackets.
    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .strings(let s): return "[" + s.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .int(let v): return String(v)
        case .ints(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .double(let v): return formatNumber(v)
        case .doubles(let v): return "[" + v.map(formatNumber).joined(separator: ", ") + "]"
        }
    }
}

/// Closes an HDF5 id with the right function when it goes out of scope (ids are only used under the lock).
final class HID {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, _ close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { if id >= 0 { withLibraryLock { _ = close(id) } } }
}

/// "/a//b/" -> ["a", "b"].
func hdf5Components(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

/// "/a/b" form of a path.
func hdf5Normalized(_ path: String) -> String { "/" + hdf5Components(path).joined(separator: "/") }

/// Names of the links in an open group (sorted by name).
func hdf5Children(_ group: hid_t) -> [String] {
    final class Box { var names: [String] = [] }
    let box = Box()
    var index: hsize_t = 0
    let context = Unmanaged.passUnretained(box).toOpaque()
    _ = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
        guard let name, let data else { return -1 }
        Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
        return 0
    }, context)
    return withExtendedLifetime(box) { box.names }
}

/// True when every component of `path` exists as a link, checked one level at a time (H5Lexists fails on a
/// missing intermediate group).
func hdf5Exists(_ file: hid_t, _ path: String) -> Bool {
    var prefix = ""
    for c in hdf5Components(path) {
        prefix += "/" + c
        if H5Lexists(file, prefix, gc_H5P_DEFAULT()) <= 0 { return false }
    }
    return true
}

/// A variable-length UTF-8 string type (what h5py reads as `str`).
func hdf5StringType() -> HID {
    let t = H5Tcopy(gc_H5T_C_S1())
    _ = H5Tset_size(t, gc_H5T_VARIABLE())
    _ = H5Tset_cset(t, H5T_CSET_UTF8)
    return HID(t, H5Tclose)
}
