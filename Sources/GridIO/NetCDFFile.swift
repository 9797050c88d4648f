// Read-only access to a NetCDF file (classic, 64-bit offset, CDF-5, NetCDF-4/HDF5). The whole structure (groups,
// dimensions, variables, attributes) is loaded at open; data is read on demand by NetCDFRead.swift.
import CHDF5
import CNetCDF
import Foundation

/// An open NetCDF file. Closing happens in deinit. All library calls go through the process-wide lock, so a file may
/// be shared between threads, though calls are serialised.
public final class NetCDFFile {
    /// The path as given to `init`.
    public let path: String
    /// The on-disk format (classic, 64-bit offset, CDF-5, netCDF-4, netCDF-4 classic model, or Zarr through NCZarr).
    public let format: NCFormat
    /// The root group with every subgroup below it.
    public let root: NCGroup
    let ncid: Int32
    /// Where data reads of a netCDF-4 file run (nil for classic files, whose header is validated before libnetcdf
    /// sees it and whose data are plain bytes at checked offsets).
    let reader: IsolatedReader?
    /// Variables of a Zarr store whose chunks libnetcdf cannot decode, with the reason (see ZarrStore.reconcile).
    let zarrUnreadable: [String: String]

    /// Opens `path` read-only. Throws `fileNotFound`, `notNetCDF` (no NetCDF signature) or `truncatedOrCorrupt`.
    public init(path: String) throws {
        self.path = path
        // A Zarr store is opened by its URL; everything after the open is the same as for a netCDF-4 file.
        let zarrURL = try ZarrStore.libraryURL(path)
        let libraryPath = zarrURL ?? path
        var isDirectory: ObjCBool = false
        if zarrURL == nil {
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw GridIOError.fileNotFound(path: path)
            }
            if isDirectory.boolValue { throw GridIOError.notNetCDF(path: path) }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw GridIOError.library(path: path, detail: "permission denied")
            }
        }
        let signature = zarrURL != nil ? FileSignature.zarr : FileSignature.detect(path: path)
        var requiredSize: Int?
        if signature == .classic {
            // Checked before libnetcdf sees the header, which it cannot always parse safely.
            do { requiredSize = try ClassicLayout.validate(path: path) } catch let failure as ParseFailure {
                throw GridIOError.truncatedOrCorrupt(path: path, detail: failure.reason)
            }
        }
        if signature == .hdf5 || signature == .zarr {
            try isolatedProbe(path, library: signature == .zarr ? "NCZarr" : "HDF5", opening: libraryPath, gc_nc_probe_isolated) {
                .truncatedOrCorrupt(path: path, detail: ncMessage($0))
            }
        }
        var id: Int32 = -1
        let status = withLibraryLock { () -> Int32 in
            let before = openHDF5Files()
            let status = nc_open(libraryPath, NC_NOWRITE, &id)
            if status != NC_NOERR && signature == .hdf5 {
                for file in openHDF5Files().subtracting(before) { gc_H5F_close_with_objects(file) }
            }
            return status
        }
        guard status == NC_NOERR else {
            if signature == .unknown { throw GridIOError.notNetCDF(path: path) }
            throw GridIOError.truncatedOrCorrupt(path: path, detail: ncMessage(status))
        }
        ncid = id
        reader = (signature == .hdf5 || signature == .zarr) && IsolatedReader.enabled
            ? IsolatedReader(path: path, library: signature == .zarr ? "NCZarr" : "HDF5") : nil
        do {
            let fmt: NCFormat = try withLibraryLock {
                var code: Int32 = 0
                try Self.check(nc_inq_format(id, &code), path, "inquire format")
                switch code {
                case NC_FORMAT_CLASSIC: return .classic
                case NC_FORMAT_64BIT_OFFSET: return .offset64
                case NC_FORMAT_64BIT_DATA: return .cdf5
                case NC_FORMAT_NETCDF4_CLASSIC: return .netCDF4Classic
                default: return signature == .zarr ? .zarr : .netCDF4
                }
            }
            var loader = GroupLoader(path: path, isNetCDF4: !fmt.isClassicFamily)
            let group = try withLibraryLock {
                try loader.mapDimensions(groupID: id, groupPath: "")
                return try loader.load(groupID: id, name: "", parentPath: nil)
            }
            if fmt.isClassicFamily {
                // libnetcdf reads missing data of a truncated classic file as zeros; the header says how long the
                // file must be, so compare.
                if let needed = requiredSize, let size = FileSignature.fileSize(path), size < needed {
                    throw GridIOError.truncatedOrCorrupt(path: path, detail: "\(size) bytes, header describes \(needed)")
                }
            }
            format = fmt
            if zarrURL != nil {
                (root, zarrUnreadable) = ZarrStore.reconcile(group, store: ZarrStore.directory(path))
            } else {
                (root, zarrUnreadable) = (group, [:])
            }
        } catch {
            withLibraryLock { _ = nc_close(id) }
            throw error
        }
    }

    deinit { withLibraryLock { _ = nc_close(ncid) } }

    /// Root-group dimensions.
    public var dimensions: [NCDimension] { root.dimensions }
    /// Root-group variables.
    public var variables: [NCVariable] { root.variables }
    /// Global attributes.
    public var attributes: [NCAttribute] { root.attributes }
    /// Every variable of every group, subgroup variables named by path ("group/name").
    public var allVariables: [NCVariable] { root.allVariables }

    /// The variable named `name` (a root-group name or a "group/sub/name" path).
    public func variable(_ name: String) throws -> NCVariable {
        let all = allVariables
        if let v = all.first(where: { $0.path == name }) { return v }
        throw GridIOError.variableNotFound(name: name, available: all.map(\.path), path: path)
    }

    /// True when a variable of that name or path exists.
    public func hasVariable(_ name: String) -> Bool { allVariables.contains { $0.path == name } }

    /// The dimension at path `name` ("name" in the root group, "group/sub/name"), else the first of any group
    /// named `name`.
    public func dimension(_ name: String) throws -> NCDimension {
        let all = root.allDimensions
        if let d = all.first(where: { $0.path == name }) ?? all.first(where: { $0.name == name }) { return d }
        throw GridIOError.dimensionNotFound(name: name, available: all.map(\.path), path: path)
    }

    /// A global attribute.
    public func attribute(_ name: String) -> AttributeValue? { root.attributes.first { $0.name == name }?.value }

    static func check(_ status: Int32, _ path: String, _ what: @autoclosure () -> String) throws {
        if status != NC_NOERR { throw GridIOError.truncatedOrCorrupt(path: path, detail: "\(what()): \(ncMessage(status))") }
    }
}

/// Walks groups and turns library answers into NCGroup values; called with the lock held.
private struct GroupLoader {
    let path: String
    let isNetCDF4: Bool
    /// Path of every dimension by id, and the unlimited ones: netCDF-4 dimension ids are unique in a file, and a
    /// variable may use a dimension of an ancestor or even of another branch of the group tree.
    var dimensionPaths: [Int32: String] = [:]
    var unlimited = Set<Int32>()

    init(path: String, isNetCDF4: Bool) {
        self.path = path
        self.isNetCDF4 = isNetCDF4
    }

    /// Fills `dimensionPaths` and `unlimited` from `groupID` and every group below it.
    mutating func mapDimensions(groupID: Int32, groupPath: String) throws {
        for id in try ids(groupID, { nc_inq_dimids($0, $1, $2, 0) }, "list dimensions") {
            var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try check(nc_inq_dimname(groupID, id, &buffer), "dimension \(id)")
            dimensionPaths[id] = joinPath(groupPath, String(cString: buffer))
        }
        if isNetCDF4 {
            unlimited.formUnion(try ids(groupID, { nc_inq_unlimdims($0, $1, $2) }, "unlimited dimensions"))
            for g in try ids(groupID, { nc_inq_grps($0, $1, $2) }, "list groups") {
                try mapDimensions(groupID: g, groupPath: joinPath(groupPath, try groupName(g)))
            }
        } else {
            var id: Int32 = -1
            try check(nc_inq_unlimdim(groupID, &id), "unlimited dimension")
            if id >= 0 { unlimited.insert(id) }
        }
    }

    /// The ids a libnetcdf list call (count first, then the ids) gives for a group.
    private func ids(_ groupID: Int32, _ list: (Int32, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32,
                     _ what: String) throws -> [Int32] {
        var n: Int32 = 0
        try check(list(groupID, &n, nil), what)
        var ids = [Int32](repeating: 0, count: Int(max(n, 0)))
        if n > 0 { try check(list(groupID, &n, &ids), what) }
        return Array(ids.prefix(Int(max(n, 0))))
    }

    private func groupName(_ groupID: Int32) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        try check(nc_inq_grpname(groupID, &buffer), "group name")
        return String(cString: buffer)
    }

    func load(groupID: Int32, name: String, parentPath: String?) throws -> NCGroup {
        let groupPath = parentPath.map { joinPath($0, name) } ?? ""
        let dims = try ids(groupID, { nc_inq_dimids($0, $1, $2, 0) }, "list dimensions").map { try dimension(groupID, $0) }
        let vars = try ids(groupID, { nc_inq_varids($0, $1, $2) }, "list variables").map { try variable(groupID, $0, groupPath) }
        var groups: [NCGroup] = []
        if isNetCDF4 {
            for g in try ids(groupID, { nc_inq_grps($0, $1, $2) }, "list groups") {
                groups.append(try load(groupID: g, name: try groupName(g), parentPath: groupPath))
            }
        }
        let attributes = try loadAttributes(groupID, NC_GLOBAL, owner: "global")
        return NCGroup(name: name, path: groupPath, dimensions: dims, variables: vars, attributes: attributes, groups: groups)
    }

    private func dimension(_ groupID: Int32, _ id: Int32) throws -> NCDimension {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        var length = 0
        try check(nc_inq_dim(groupID, id, &buffer, &length), "dimension \(id)")
        let name = String(cString: buffer)
        return NCDimension(name: name, path: dimensionPaths[id] ?? name, length: length, isUnlimited: unlimited.contains(id), id: id)
    }

    private func variable(_ groupID: Int32, _ varID: Int32, _ groupPath: String) throws -> NCVariable {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        var type: nc_type = 0
        var ndims: Int32 = 0
        var natts: Int32 = 0
        try check(nc_inq_var(groupID, varID, &buffer, &type, &ndims, nil, &natts), "variable \(varID)")
        let name = String(cString: buffer)
        guard ndims >= 0, ndims <= Int32(NC_MAX_VAR_DIMS) else { throw corrupt("variable '\(name)' has \(ndims) dimensions") }
        var dimIDs = [Int32](repeating: 0, count: Int(ndims))
        if ndims > 0 { try check(nc_inq_vardimid(groupID, varID, &dimIDs), "dimensions of '\(name)'") }
        let dims = try dimIDs.map { try dimension(groupID, $0) }
        var chunks: [Int]?
        var level: Int?
        var shuffle = false
        if isNetCDF4 {
            var storage: Int32 = 0
            var sizes = [Int](repeating: 0, count: max(Int(ndims), 1))
            if nc_inq_var_chunking(groupID, varID, &storage, &sizes) == NC_NOERR, storage == NC_CHUNKED, ndims > 0 {
                chunks = Array(sizes.prefix(Int(ndims)))
                try refuseImpossibleChunks(chunks!, dims, name)
            }
            var shuf: Int32 = 0, deflate: Int32 = 0, lvl: Int32 = 0
            if nc_inq_var_deflate(groupID, varID, &shuf, &deflate, &lvl) == NC_NOERR {
                shuffle = shuf != 0
                if deflate != 0 { level = Int(lvl) }
            }
        }
        let path = joinPath(groupPath, name)
        return NCVariable(name: name, path: path, type: NCType(code: type), dimensions: dims,
                          attributes: try loadAttributes(groupID, varID, owner: name),
                          chunkSizes: chunks, deflateLevel: level, shuffle: shuffle, groupID: groupID, varID: varID)
    }

    private func loadAttributes(_ groupID: Int32, _ varID: Int32, owner: String) throws -> [NCAttribute] {
        var natts: Int32 = 0
        try check(nc_inq_varnatts(groupID, varID, &natts), "attributes of \(owner)")
        var result: [NCAttribute] = []
        for i in 0..<max(natts, 0) {
            var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try check(nc_inq_attname(groupID, varID, i, &buffer), "attribute \(i) of \(owner)")
            let name = String(cString: buffer)
            if let a = try readAttribute(groupID, varID, name, owner: owner) { result.append(a) }
        }
        return result
    }

    /// nil for attributes of user-defined types, which this layer does not model.
    private func readAttribute(_ groupID: Int32, _ varID: Int32, _ name: String, owner: String) throws -> NCAttribute? {
        var code: nc_type = 0
        var length = 0
        try check(nc_inq_att(groupID, varID, name, &code, &length), "attribute \(owner):\(name)")
        let type = NCType(code: code)
        // A corrupt header can claim any length; real attributes are far below this.
        guard length <= 1 << 28 else { throw corrupt("attribute \(owner):\(name) claims \(length) values") }
        let value: AttributeValue
        switch type {
        case .userDefined:
            return nil
        case .char:
            var bytes = [UInt8](repeating: 0, count: max(length, 1))
            try check(nc_get_att_text(groupID, varID, name, &bytes), "attribute \(owner):\(name)")
            let text = bytes.prefix(length)
            value = .text(String(decoding: text.prefix { $0 != 0 }, as: UTF8.self))
        case .string:
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(length, 1))
            try check(nc_get_att_string(groupID, varID, name, &pointers), "attribute \(owner):\(name)")
            value = .strings(pointers.prefix(length).map { $0.map { String(cString: $0) } ?? "" })
            _ = nc_free_string(length, &pointers)
        default:
            var raw = [UInt8](repeating: 0, count: max(length * type.size, 1))
            try check(nc_get_att(groupID, varID, name, &raw), "attribute \(owner):\(name)")
            value = raw.withUnsafeBytes { attributeValue(type, $0, length) }
        }
        return NCAttribute(name: name, type: type, value: value)
    }

    private func check(_ status: Int32, _ what: @autoclosure () -> String) throws {
        try NetCDFFile.check(status, path, what())
    }

    /// Neither libnetcdf nor libhdf5 creates a chunk longer than a fixed dimension, so a header claiming one was
    /// damaged; reading it makes libhdf5 inflate one chunk into a buffer sized for another, which crashes or, with
    /// other memory around it, returns garbage.
    private func refuseImpossibleChunks(_ chunks: [Int], _ dims: [NCDimension], _ name: String) throws {
        for (chunk, dim) in zip(chunks, dims) where chunk <= 0 || (!dim.isUnlimited && dim.length > 0 && chunk > dim.length) {
            throw corrupt("variable '\(name)' claims chunks of \(chunks) over dimensions \(dims.map(\.length))")
        }
    }

    private func corrupt(_ detail: String) -> GridIOError { .truncatedOrCorrupt(path: path, detail: detail) }
}

/// "name" below the root group (path ""), "parent/name" below others.
private func joinPath(_ parent: String, _ name: String) -> String { parent.isEmpty ? name : parent + "/" + name }

/// Converts native attribute bytes to a value: integers to .ints, floating point to .doubles.
func attributeValue(_ type: NCType, _ raw: UnsafeRawBufferPointer, _ count: Int) -> AttributeValue {
    func load<T>(_: T.Type) -> [T] { (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) } }
    switch type {
    case .byte: return .ints(load(Int8.self).map(Int64.init))
    case .ubyte: return .ints(load(UInt8.self).map(Int64.init))
    case .short: return .ints(load(Int16.self).map(Int64.init))
    case .ushort: return .ints(load(UInt16.self).map(Int64.init))
    case .int: return .ints(load(Int32.self).map(Int64.init))
    case .uint: return .ints(load(UInt32.self).map(Int64.init))
    case .int64: return .ints(load(Int64.self))
    case .uint64: return .ints(load(UInt64.self).map { Int64(bitPattern: $0) })
    case .float: return .doubles(load(Float.self).map(Double.init))
    default: return .doubles(load(Double.self))
    }
}

/// Runs a C probe that forks a child to open and walk a file's metadata (see CNetCDF/shim.h). A crash, hang or
/// library error in the child becomes `truncatedOrCorrupt` (or `notNetCDF`/`notHDF5` via `refused`) without the file
/// ever being opened in this process. GRIDIO_TRUST_FILES=1 skips it (it costs one fork per netCDF-4/HDF5 open).
func isolatedProbe(_ path: String, library: String = "HDF5", opening libraryPath: String? = nil,
                   _ probe: (UnsafePointer<CChar>, UInt32, UnsafeMutablePointer<Int32>) -> Int32,
                   refused: (Int32) -> GridIOError) throws {
    gridIOProcessSetup
    if ProcessInfo.processInfo.environment["GRIDIO_TRUST_FILES"] == "1" { return }
    var status: Int32 = 0
    let limit = UInt32(max(IsolatedReader.baseTimeLimit.rounded(.up), 1))
    let target = libraryPath ?? path
    var outcome = withLibraryLock { probe(target, limit, &status) }
    // A refusal is confirmed once more before it is believed: under heavy concurrent use (the test suite writes and
    // reads checkpoints from several threads while the probe forks) a sound file was rarely refused by the child.
    if outcome == 3 { outcome = withLibraryLock { probe(target, limit, &status) } }
    switch outcome {
    case 1: throw GridIOError.truncatedOrCorrupt(path: path, detail: "the \(library) library crashed reading its metadata (in a probe process)")
    case 2: throw GridIOError.truncatedOrCorrupt(path: path, detail: "the \(library) library did not finish reading its metadata in \(limit) s")
    case 3: throw refused(status)
    default: return
    }
}

/// Ids of the HDF5 files open in this process (call with the lock held).
private func openHDF5Files() -> Set<hid_t> {
    var ids = [hid_t](repeating: 0, count: 4096)
    let n = gc_H5F_open_file_ids(&ids, ids.count)
    return Set(ids.prefix(max(n, 0)))
}

/// What the first bytes of a file say it is.
enum FileSignature {
    case classic, hdf5, unknown
    /// A Zarr store directory (never detected from bytes: ZarrStore decides).
    case zarr

    static func detect(path: String) -> FileSignature {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.count >= 4, head[0] == 0x43, head[1] == 0x44, head[2] == 0x46, [1, 2, 5].contains(head[3]) { return .classic }
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        // HDF5 allows a user block, so the signature may sit at 0, 512, 1024, 2048, ...
        for offset in [0, 512, 1024, 2048, 4096] {
            if (try? handle.seek(toOffset: UInt64(offset))) == nil { break }
            if let bytes = try? handle.read(upToCount: 8), [UInt8](bytes) == hdf5 { return .hdf5 }
        }
        return .unknown
    }

    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }
}
