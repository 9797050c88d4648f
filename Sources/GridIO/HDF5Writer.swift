// Writing HDF5 files (model checkpoints, jet-image sets): float and integer datasets with shapes, attributes, nested
// groups created on demand, optional deflate; atomic like NetCDFWriter (temporary file renamed in `finish()`).
import CHDF5
import Foundation
import GridTensor

/// Writes an HDF5 file readable by h5py: `writeDataset`, `setAttribute`, then `finish()`.
public final class HDF5Writer {
    /// The final path: the file appears under it only when ``finish()`` succeeds.
    public var path: String { output.finalPath }
    private let output: AtomicOutput
    private let file: hid_t
    private let linkProperties: HID
    private var state = 0  // 0 open, 1 finished, 2 failed

    /// Starts a file at `path`, refusing an existing one unless `overwrite`.
    public init(path: String, overwrite: Bool = false) throws {
        output = try AtomicOutput(path: path, overwrite: overwrite)
        let temp = output.temporaryPath
        let (f, lcpl) = withLibraryLock { () -> (hid_t, HID) in
            let f = H5Fcreate(temp, gc_H5F_ACC_TRUNC(), gc_H5P_DEFAULT(), gc_H5P_DEFAULT())
            // Intermediate groups appear on demand, so "encoder/conv1/weight" needs no createGroup calls.
            let lcpl = H5Pcreate(gc_H5P_LINK_CREATE())
            _ = H5Pset_create_intermediate_group(lcpl, 1)
            return (f, HID(lcpl, H5Pclose))
        }
        guard f >= 0, lcpl.id >= 0 else {
            if f >= 0 { withLibraryLock { _ = H5Fclose(f) } }
            output.discard()
            throw GridIOError.writeFailed(path: path, detail: "cannot create \(temp)")
        }
        file = f
        linkProperties = lcpl
    }

    deinit { if state == 0 { abandon() } }

    /// Creates a group (and any missing parents).
    public func createGroup(_ group: String) throws {
        try guarded {
            let p = hdf5Normalized(group)
            if p == "/" || hdf5Exists(file, p) { return }
            let g = H5Gcreate2(file, p, linkProperties.id, gc_H5P_DEFAULT(), gc_H5P_DEFAULT())
            try check(g, "create group \(p)")
            _ = H5Gclose(g)
        }
    }

    /// Writes a float32 dataset with the tensor's shape; `deflate` (0...9) compresses it.
    public func writeDataset(_ dataset: String, _ tensor: Tensor, deflate: Int? = nil) throws {
        try tensor.withUnsafeBufferPointer { buffer in
            try write(dataset, shape: tensor.shape, type: gc_H5T_NATIVE_FLOAT(), deflate: deflate, data: UnsafeRawPointer(buffer.baseAddress))
        }
    }

    /// Writes an int64 dataset of `shape` (values in row-major order).
    public func writeDataset(_ dataset: String, ints: [Int64], shape: [Int], deflate: Int? = nil) throws {
        guard shape.allSatisfy({ $0 >= 0 }), saturatingProduct(shape) == ints.count else {
            throw GridIOError.shapeMismatch(what: "dataset \(dataset)", expected: shape, got: [ints.count])
        }
        try ints.withUnsafeBytes { try write(dataset, shape: shape, type: gc_H5T_NATIVE_INT64(), deflate: deflate, data: $0.baseAddress) }
    }

    /// Writes a float64 dataset of `shape`.
    public func writeDataset(_ dataset: String, doubles: [Double], shape: [Int], deflate: Int? = nil) throws {
        guard shape.allSatisfy({ $0 >= 0 }), saturatingProduct(shape) == doubles.count else {
            throw GridIOError.shapeMismatch(what: "dataset \(dataset)", expected: shape, got: [doubles.count])
        }
        try doubles.withUnsafeBytes { try write(dataset, shape: shape, type: gc_H5T_NATIVE_DOUBLE(), deflate: deflate, data: $0.baseAddress) }
    }

    private func write(_ dataset: String, shape: [Int], type: hid_t, deflate: Int?, data: UnsafeRawPointer?) throws {
        try guarded {
            let p = hdf5Normalized(dataset)
            guard p != "/" else { throw GridIOError.invalidArgument(detail: "\(path): a dataset needs a name") }
            guard !hdf5Exists(file, p) else { throw GridIOError.invalidArgument(detail: "\(path): \(p) already exists") }
            let dims = shape.map { hsize_t($0) }
            let space = HID(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil), H5Sclose)
            try check(space.id, "dataspace for \(p)")
            let dcpl = HID(H5Pcreate(gc_H5P_DATASET_CREATE()), H5Pclose)
            if let level = deflate, level > 0, !shape.isEmpty, !shape.contains(0) {
                // Chunks of at most ~1M elements, keeping the trailing dimensions whole where possible.
                var chunk = dims
                var i = 0
                while chunk.reduce(1, *) > 1 << 20 && i < chunk.count { chunk[i] = max(1, chunk[i] / max(1, chunk.reduce(1, *) / (1 << 20))); i += 1 }
                try check(hid_t(H5Pset_chunk(dcpl.id, Int32(chunk.count), chunk)), "chunking \(p)")
                _ = H5Pset_shuffle(dcpl.id)
                try check(hid_t(H5Pset_deflate(dcpl.id, UInt32(min(level, 9)))), "deflate \(p)")
            }
            let d = HID(H5Dcreate2(file, p, type, space.id, linkProperties.id, dcpl.id, gc_H5P_DEFAULT()), H5Dclose)
            try check(d.id, "create dataset \(p)")
            if saturatingProduct(shape) > 0 {
                try check(hid_t(H5Dwrite(d.id, type, gc_H5S_ALL(), gc_H5S_ALL(), gc_H5P_DEFAULT(), data)), "write \(p)")
            }
        }
    }

    /// Sets (or replaces) attribute `name` on the group or dataset `object` ("/" is the file's root group).
    public func setAttribute(_ name: String, _ value: HDF5Value, on object: String = "/") throws {
        try guarded {
            let p = hdf5Normalized(object)
            if p != "/" && !hdf5Exists(file, p) {
                let g = H5Gcreate2(file, p, linkProperties.id, gc_H5P_DEFAULT(), gc_H5P_DEFAULT())
                try check(g, "create group \(p)")
                _ = H5Gclose(g)
            }
            let o = HID(H5Oopen(file, p, gc_H5P_DEFAULT()), H5Oclose)
            try check(o.id, "open \(p)")
            if H5Aexists(o.id, name) > 0 { _ = H5Adelete(o.id, name) }
            switch value {
            case .string(let s): try putStrings(o.id, name, [s], scalar: true)
            case .strings(let s): try putStrings(o.id, name, s, scalar: false)
            case .int(let v): try putNumbers(o.id, name, [v], scalar: true, type: gc_H5T_NATIVE_INT64())
            case .ints(let v): try putNumbers(o.id, name, v, scalar: false, type: gc_H5T_NATIVE_INT64())
            case .double(let v): try putNumbers(o.id, name, [v], scalar: true, type: gc_H5T_NATIVE_DOUBLE())
            case .doubles(let v): try putNumbers(o.id, name, v, scalar: false, type: gc_H5T_NATIVE_DOUBLE())
            }
        }
    }

    private func attributeSpace(_ count: Int, scalar: Bool) -> HID {
        var dims = [hsize_t(count)]
        return HID(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil), H5Sclose)
    }

    private func putNumbers<T>(_ object: hid_t, _ name: String, _ values: [T], scalar: Bool, type: hid_t) throws {
        let space = attributeSpace(values.count, scalar: scalar)
        let a = HID(H5Acreate2(object, name, type, space.id, gc_H5P_DEFAULT(), gc_H5P_DEFAULT()), H5Aclose)
        try check(a.id, "create attribute \(name)")
        try values.withUnsafeBytes { try check(hid_t(H5Awrite(a.id, type, $0.baseAddress)), "write attribute \(name)") }
    }

    private func putStrings(_ object: hid_t, _ name: String, _ values: [String], scalar: Bool) throws {
        let type = hdf5StringType()
        let space = attributeSpace(values.count, scalar: scalar)
        let a = HID(H5Acreate2(object, name, type.id, space.id, gc_H5P_DEFAULT(), gc_H5P_DEFAULT()), H5Aclose)
        try check(a.id, "create attribute \(name)")
        var pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        try check(hid_t(H5Awrite(a.id, type.id, &pointers)), "write attribute \(name)")
    }

    /// Closes the file and renames it onto the final path; on failure nothing changes at the final path.
    public func finish() throws {
        guard state == 0 else { throw GridIOError.writeFailed(path: path, detail: "writer already finished or failed") }
        let status = withLibraryLock { H5Fclose(file) }
        state = 2
        guard status >= 0 else {
            output.discard()
            throw GridIOError.writeFailed(path: path, detail: "closing the HDF5 file failed")
        }
        try output.commit()
        state = 1
    }

    private func guarded(_ body: () throws -> Void) throws {
        guard state == 0 else { throw GridIOError.writeFailed(path: path, detail: "writer already finished or failed") }
        do {
            try withLibraryLock(body)
        } catch {
            abandon()
            throw error
        }
    }

    private func abandon() {
        state = 2
        withLibraryLock { _ = H5Fclose(file) }
        output.discard()
    }

    private func check(_ id: hid_t, _ what: String) throws {
        if id < 0 { throw GridIOError.writeFailed(path: path, detail: "\(what) failed") }
    }
}
