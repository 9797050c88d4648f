// Reading HDF5 files: datasets of any integer or float type as Float tensors (or Int64/Double arrays), attributes
// (strings, fixed or variable length; numeric scalars and arrays), group listings.
import CHDF5
import Foundation
import GridTensor

/// An HDF5 file open read-only; closed in deinit.
public final class HDF5File {
    /// The file's path, as given.
    public let path: String
    private let file: hid_t
    /// Where dataset reads run (see IsolatedReader).
    private let reader: IsolatedReader?

    /// Opens `path`; throws `fileNotFound`, `notHDF5` or `truncatedOrCorrupt`.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw GridIOError.fileNotFound(path: path) }
        let signature = FileSignature.detect(path: path)
        if signature == .hdf5 {
            try isolatedProbe(path, gc_h5_probe_isolated) { _ in .truncatedOrCorrupt(path: path, detail: "HDF5 cannot open it") }
        }
        let f = withLibraryLock { H5Fopen(path, gc_H5F_ACC_RDONLY_flag(), gc_H5P_DEFAULT()) }
        guard f >= 0 else {
            if signature != .hdf5 { throw GridIOError.notHDF5(path: path) }
            throw GridIOError.truncatedOrCorrupt(path: path, detail: "HDF5 cannot open it")
        }
        file = f
        reader = IsolatedReader.enabled ? IsolatedReader(path: path) : nil
    }

    deinit { withLibraryLock { _ = H5Fclose(file) } }

    /// Names of the groups and datasets directly in `group`.
    public func children(of group: String = "/") throws -> [String] {
        try withLibraryLock {
            let g = try open(group)
            guard H5Iget_type(g.id) == H5I_GROUP else { throw GridIOError.invalidArgument(detail: "\(path): \(group) is not a group") }
            return hdf5Children(g.id)
        }
    }

    /// True when a group or dataset exists at `object`.
    public func contains(_ object: String) -> Bool { withLibraryLock { hdf5Exists(file, object) } }

    /// True when `object` is a group.
    public func isGroup(_ object: String) -> Bool {
        withLibraryLock { (try? open(object)).map { H5Iget_type($0.id) == H5I_GROUP } ?? false }
    }

    /// The shape of a dataset ([] for a scalar).
    public func shape(of dataset: String) throws -> [Int] {
        try withLibraryLock { try datasetShape(try openDataset(dataset).space, dataset) }
    }

    /// Reads a numeric dataset (any integer or float type) as a Float tensor.
    public func readTensor(_ dataset: String) throws -> Tensor {
        try withLibraryLock {
            let (d, space) = try openDataset(dataset)
            let shape = try datasetShape(space, dataset)
            guard shape.count <= Tensor.maxRank else { throw GridIOError.invalidArgument(detail: "\(path): \(dataset) has rank \(shape.count)") }
            var t = Tensor(uninitializedShape: shape)
            try t.withUnsafeMutableBufferPointer { try read(d, dataset, gc_H5T_NATIVE_FLOAT(), $0.count, $0.baseAddress) }
            return t
        }
    }

    /// Reads a numeric dataset as Int64 values (row-major) with its shape.
    public func readInts(_ dataset: String) throws -> (values: [Int64], shape: [Int]) {
        try withLibraryLock {
            let (d, space) = try openDataset(dataset)
            let shape = try datasetShape(space, dataset)
            var values = [Int64](repeating: 0, count: shape.reduce(1, *))
            try values.withUnsafeMutableBytes { try read(d, dataset, gc_H5T_NATIVE_INT64(), $0.count / 8, $0.baseAddress) }
            return (values, shape)
        }
    }

    /// Reads a numeric dataset as Double values (row-major) with its shape.
    public func readDoubles(_ dataset: String) throws -> (values: [Double], shape: [Int]) {
        try withLibraryLock {
            let (d, space) = try openDataset(dataset)
            let shape = try datasetShape(space, dataset)
            var values = [Double](repeating: 0, count: shape.reduce(1, *))
            try values.withUnsafeMutableBytes { try read(d, dataset, gc_H5T_NATIVE_DOUBLE(), $0.count / 8, $0.baseAddress) }
            return (values, shape)
        }
    }

    /// Names of the attributes of `object`.
    public func attributeNames(of object: String = "/") throws -> [String] {
        try withLibraryLock {
            let o = try open(object)
            final class Box { var names: [String] = [] }
            let box = Box()
            var index: hsize_t = 0
            _ = H5Aiterate2(o.id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                guard let name, let data else { return -1 }
                Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
            return withExtendedLifetime(box) { box.names }
        }
    }

    /// Reads attribute `name` of `object`.
    public func attribute(_ name: String, of object: String = "/") throws -> HDF5Value {
        try withLibraryLock {
            let o = try open(object)
            guard H5Aexists(o.id, name) > 0 else { throw GridIOError.attributeNotFound(name: name, owner: hdf5Normalized(object), path: path) }
            let a = HID(H5Aopen(o.id, name, gc_H5P_DEFAULT()), H5Aclose)
            let type = HID(H5Aget_type(a.id), H5Tclose)
            let space = HID(H5Aget_space(a.id), H5Sclose)
            guard a.id >= 0, type.id >= 0, space.id >= 0 else { throw corrupt("attribute \(name) of \(object)") }
            let scalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR
            let n = Int(max(H5Sget_simple_extent_npoints(space.id), 0))
            guard n <= 1 << 26 else { throw corrupt("attribute \(name) claims \(n) values") }
            switch H5Tget_class(type.id) {
            case H5T_STRING:
                let strings = try readStrings(a.id, type.id, space.id, n, name, object)
                return scalar ? .string(strings.first ?? "") : .strings(strings)
            case H5T_INTEGER:
                var v = [Int64](repeating: 0, count: max(n, 1))
                try v.withUnsafeMutableBytes { try readAttribute(a.id, object, name, gc_H5T_NATIVE_INT64(), $0) }
                return scalar ? .int(v[0]) : .ints(Array(v.prefix(n)))
            case H5T_FLOAT:
                var v = [Double](repeating: 0, count: max(n, 1))
                try v.withUnsafeMutableBytes { try readAttribute(a.id, object, name, gc_H5T_NATIVE_DOUBLE(), $0) }
                return scalar ? .double(v[0]) : .doubles(Array(v.prefix(n)))
            default:
                throw GridIOError.unsupportedType(name: name, type: "HDF5 class \(H5Tget_class(type.id).rawValue)", path: path)
            }
        }
    }

    private func readStrings(_ a: hid_t, _ fileType: hid_t, _ space: hid_t, _ n: Int, _ name: String, _ object: String) throws -> [String] {
        if H5Tis_variable_str(fileType) > 0 {
            if let reader {
                // Variable-length strings live in the global heap, whose corrupt lengths libhdf5 copies unchecked.
                var packed: UnsafeMutablePointer<CChar>?, length = 0
                defer { free(packed) }
                let status = try reader.run(what: "reading attribute \(name) of \(object)", bytes: 0) { r, ms in
                    gc_reader_h5_attribute(r, file, hdf5Normalized(object), name, hid_t(GC_READ_VLEN_STRINGS), n, nil, 0, &packed, &length, ms)
                }
                guard status >= 0 else { throw corrupt("attribute \(name)") }
                let bytes = packed.map { UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: length) }
                let strings = (bytes.map { Array($0) } ?? []).split(separator: 0, omittingEmptySubsequences: false).prefix(n)
                return strings.map { String(decoding: $0, as: UTF8.self) } + [String](repeating: "", count: max(n - strings.count, 0))
            }
            let memType = hdf5StringType()
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(n, 1))
            guard H5Aread(a, memType.id, &pointers) >= 0 else { throw corrupt("attribute \(name)") }
            let strings = pointers.prefix(n).map { $0.map { String(cString: $0) } ?? "" }
            _ = H5Dvlen_reclaim(memType.id, space, gc_H5P_DEFAULT(), &pointers)
            return strings
        }
        let size = H5Tget_size(fileType)
        guard size > 0, size < 1 << 24 else { throw corrupt("attribute \(name) has string size \(size)") }
        let memType = HID(H5Tcopy(gc_H5T_C_S1()), H5Tclose)
        _ = H5Tset_size(memType.id, size)
        var bytes = [UInt8](repeating: 0, count: size * max(n, 1))
        try bytes.withUnsafeMutableBytes { try readAttribute(a, object, name, memType.id, $0) }
        return (0..<n).map { i in String(decoding: bytes[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Reads an attribute's fixed-size values into `buffer`, through the reader child unless files are trusted.
    private func readAttribute(_ a: hid_t, _ object: String, _ name: String, _ memType: hid_t, _ buffer: UnsafeMutableRawBufferPointer) throws {
        var status: Int32
        if let reader {
            var unused: UnsafeMutablePointer<CChar>?, length = 0
            status = try reader.run(what: "reading attribute \(name) of \(object)", bytes: buffer.count) { r, ms in
                gc_reader_h5_attribute(r, file, hdf5Normalized(object), name, memType, 0, buffer.baseAddress, buffer.count, &unused, &length, ms)
            }
        } else {
            status = H5Aread(a, memType, buffer.baseAddress)
        }
        guard status >= 0 else { throw corrupt("attribute \(name)") }
    }

    // MARK: - internals (called with the lock held)

    private func open(_ object: String) throws -> HID {
        let p = hdf5Normalized(object)
        guard p == "/" || hdf5Exists(file, p) else { throw notFound(p) }
        let o = HID(H5Oopen(file, p, gc_H5P_DEFAULT()), H5Oclose)
        guard o.id >= 0 else { throw corrupt("opening \(p)") }
        return o
    }

    private func openDataset(_ dataset: String) throws -> (id: HID, space: HID) {
        let p = hdf5Normalized(dataset)
        guard hdf5Exists(file, p) else { throw notFound(p) }
        let d = HID(H5Dopen2(file, p, gc_H5P_DEFAULT()), H5Dclose)
        guard d.id >= 0 else { throw GridIOError.invalidArgument(detail: "\(path): \(p) is not a dataset") }
        let space = HID(H5Dget_space(d.id), H5Sclose)
        guard space.id >= 0 else { throw corrupt("dataspace of \(p)") }
        try refuseImpossibleChunks(d, space, p)
        let type = HID(H5Dget_type(d.id), H5Tclose)
        let cls = H5Tget_class(type.id)
        guard cls == H5T_INTEGER || cls == H5T_FLOAT else {
            throw GridIOError.unsupportedType(name: p, type: "HDF5 class \(cls.rawValue)", path: path)
        }
        return (d, space)
    }

    /// libhdf5 never creates a chunk longer than a fixed dimension, so a header claiming one was damaged: reading it
    /// inflates one chunk into a buffer sized for another, which crashes or, with other memory around it, returns
    /// garbage.
    private func refuseImpossibleChunks(_ d: HID, _ space: HID, _ name: String) throws {
        let plist = HID(H5Dget_create_plist(d.id), H5Pclose)
        guard plist.id >= 0 else { throw corrupt("creation properties of \(name)") }
        guard H5Pget_layout(plist.id) == H5D_CHUNKED else { return }
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank > 0, rank <= 32 else { return }
        var chunk = [hsize_t](repeating: 0, count: Int(rank))
        var dims = chunk, maxDims = chunk
        guard H5Pget_chunk(plist.id, rank, &chunk) == rank,
              H5Sget_simple_extent_dims(space.id, &dims, &maxDims) >= 0 else { throw corrupt("chunking of \(name)") }
        let unlimited = hsize_t.max  // H5S_UNLIMITED, a macro Swift does not import
        for i in 0..<Int(rank) where chunk[i] == 0 || (maxDims[i] != unlimited && maxDims[i] > 0 && chunk[i] > maxDims[i]) {
            throw corrupt("\(name) claims chunks of \(chunk) over dimensions \(dims)")
        }
    }

    private func datasetShape(_ space: HID, _ name: String) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0, rank <= 32 else { throw corrupt("rank of \(name)") }
        var dims = [hsize_t](repeating: 0, count: Int(max(rank, 1)))
        guard H5Sget_simple_extent_dims(space.id, &dims, nil) >= 0 else { throw corrupt("shape of \(name)") }
        let shape = dims.prefix(Int(rank)).map { Int(clamping: $0) }
        let total = shape.reduce(1.0) { $0 * Double($1) }
        guard total * 8 <= Double(ProcessInfo.processInfo.physicalMemory) else {
            throw GridIOError.tooLarge(name: name, bytes: Int(clamping: UInt64(min(total * 8, 9e18))), path: path)
        }
        return shape
    }

    private func read(_ d: HID, _ name: String, _ memType: hid_t, _ count: Int, _ buffer: UnsafeMutableRawPointer?) throws {
        guard count > 0 else { return }
        var status: Int32
        if let reader {
            let p = hdf5Normalized(name), bytes = count * H5Tget_size(memType)
            status = try reader.run(what: "reading \(p)", bytes: bytes) { r, ms in
                gc_reader_h5_read(r, file, p, memType, buffer, bytes, ms)
            }
        } else {
            status = H5Dread(d.id, memType, gc_H5S_ALL(), gc_H5S_ALL(), gc_H5P_DEFAULT(), buffer)
        }
        guard status >= 0 else {
            throw GridIOError.truncatedOrCorrupt(path: path, detail: "reading \(name)")
        }
    }

    private func notFound(_ p: String) -> GridIOError {
        let parent = "/" + hdf5Components(p).dropLast().joined(separator: "/")
        var siblings: [String] = []
        if parent == "/" || hdf5Exists(file, parent) {
            let g = HID(H5Gopen2(file, parent, gc_H5P_DEFAULT()), H5Gclose)
            if g.id >= 0 { siblings = hdf5Children(g.id) }
        }
        return .objectNotFound(name: p, available: siblings.map { parent == "/" ? "/" + $0 : parent + "/" + $0 }, path: path)
    }

    private func corrupt(_ detail: String) -> GridIOError { .truncatedOrCorrupt(path: path, detail: detail) }
}
