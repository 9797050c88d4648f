// Writing CF-1.8 NetCDF-4 files atomically: everything goes to a temporary file that `finish()` renames onto the
// final name. Any error discards the temporary file and leaves the writer unusable, so a half-written output never
// appears under the final name.
import CNetCDF
import Foundation
import GridTensor

/// A data variable to define in a NetCDFWriter.
public struct NCVariableDefinition: Sendable {
    /// The variable's name in the root group.
    public var name: String
    /// Its dimensions by name, slowest-varying first (e.g. `[time, lat, lon]`); each must be defined in the writer first.
    public var dimensions: [String]
    /// The stored type (default `float`); with `scaleFactor`/`addOffset` an integer type stores packed values.
    public var type: NCType
    /// The `units` attribute (UDUNITS, e.g. `K`, `kg m-2 s-1`).
    public var units: String?
    /// The `long_name` attribute.
    public var longName: String?
    /// The CF `standard_name` attribute (e.g. `air_temperature`).
    public var standardName: String?
    /// Raw (packed) value written as _FillValue and stored where the tensor holds NaN; nil writes no _FillValue.
    public var fillValue: Double?
    /// The `scale_factor` to pack with: stored = round((value - addOffset) / scaleFactor) for integer types.
    public var scaleFactor: Double?
    /// The `add_offset` to pack with, in physical units.
    public var addOffset: Double?
    /// Further attributes, e.g. grid_mapping, coordinates, cell_methods.
    public var attributes: [NCAttribute]
    /// zlib level 0...9; 0 disables compression.
    public var deflateLevel: Int
    /// Byte-shuffle before compression (netCDF-4 only; usually improves zlib on floats). Default true.
    public var shuffle: Bool
    /// nil chunks by one step of the leading dimensions times the full last two (spatial) dimensions.
    public var chunkSizes: [Int]?

    /// A definition with CF defaults: _FillValue 1e20 for float types, the NetCDF default fill for integer types.
    public init(name: String, dimensions: [String], type: NCType = .float, units: String? = nil, longName: String? = nil,
                standardName: String? = nil, attributes: [NCAttribute] = [], deflateLevel: Int = 4, shuffle: Bool = true) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.units = units
        self.longName = longName
        self.standardName = standardName
        self.fillValue = type == .float || type == .double ? 1e20 : CFPacking.defaultFill(type) ?? (type == .byte ? -127 : type == .ubyte ? 255 : nil)
        self.attributes = attributes
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
    }

    /// A float variable shaped and described like `template` (units, long_name, standard_name, grid_mapping,
    /// coordinates, cell_methods), optionally renamed.
    public init(like template: NCVariable, name: String? = nil) {
        self.init(name: name ?? template.name, dimensions: template.dimensionNames, units: template.text("units"),
                  longName: template.text("long_name"), standardName: template.text("standard_name"))
        attributes = template.attributes.filter { ["grid_mapping", "coordinates", "cell_methods"].contains($0.name) }
    }
}

/// Writes a NetCDF-4 file: define dimensions and variables, write or append data, then `finish()`.
public final class NetCDFWriter {
    /// The final path; nothing appears there before `finish()` succeeds.
    public var path: String { output.finalPath }
    /// The temporary file being written.
    public var temporaryPath: String { output.temporaryPath }

    struct Dimension { let id: Int32; let length: Int?; var isUnlimited: Bool { length == nil } }
    struct Variable { let id: Int32; let type: NCType; let dimensions: [String]; let fill: Double?; let packing: CFPacking? }

    private let output: AtomicOutput
    private var ncid: Int32 = -1
    private var state = State.open
    private var dims: [String: Dimension] = [:]
    private var vars: [String: Variable] = [:]
    private var appended: [String: Int] = [:]
    private enum State { case open, finished, failed }

    /// Starts a file at `path` (refusing an existing one unless `overwrite`), with global attributes
    /// Conventions = "CF-1.8", history = "<UTC time>: <history>" and the caller's provenance `attributes`.
    public init(path: String, overwrite: Bool = false, history: String = "written by gridcnn", attributes: [NCAttribute] = []) throws {
        output = try AtomicOutput(path: path, overwrite: overwrite)
        var id: Int32 = -1
        let status = withLibraryLock { nc_create(output.temporaryPath, NC_NETCDF4 | NC_CLOBBER, &id) }
        guard status == NC_NOERR else {
            output.discard()
            throw GridIOError.writeFailed(path: path, detail: "create: \(ncMessage(status))")
        }
        ncid = id
        let stamp = ISO8601DateFormatter().string(from: Date())
        try guarded {
            try putAttribute(NC_GLOBAL, NCAttribute("Conventions", .text("CF-1.8")))
            try putAttribute(NC_GLOBAL, NCAttribute("history", .text("\(stamp): \(history)")))
            for a in attributes { try putAttribute(NC_GLOBAL, a) }
        }
    }

    deinit { if state == .open { abandon() } }

    /// Defines a dimension; `length` nil makes it unlimited (the time axis to append along).
    public func defineDimension(_ name: String, length: Int?) throws {
        try guarded {
            if let existing = dims[name] {
                guard existing.length == length else { throw invalid("dimension '\(name)' already defined with another length") }
                return
            }
            if let n = length, n <= 0 { throw invalid("dimension '\(name)' needs a positive length, got \(n)") }
            var id: Int32 = -1
            try check(nc_def_dim(ncid, name, length ?? 0, &id), "define dimension '\(name)'")
            dims[name] = Dimension(id: id, length: length)
        }
    }

    /// Defines a variable over already-defined dimensions, with compression, chunking and CF attributes.
    public func defineVariable(_ d: NCVariableDefinition) throws {
        try guarded {
            guard vars[d.name] == nil else { throw invalid("variable '\(d.name)' is already defined") }
            guard d.type.isNumeric || d.type == .char else { throw invalid("cannot define '\(d.name)' of type \(d.type.rawValue)") }
            let ids = try d.dimensions.map { name -> Int32 in
                guard let dim = dims[name] else { throw GridIOError.dimensionNotFound(name: name, available: dims.keys.sorted(), path: path) }
                return dim.id
            }
            var id: Int32 = -1
            try check(nc_def_var(ncid, d.name, d.type.code, Int32(ids.count), ids, &id), "define variable '\(d.name)'")
            if !ids.isEmpty {
                let chunks = d.chunkSizes ?? defaultChunks(d.dimensions)
                guard chunks.count == ids.count, chunks.allSatisfy({ $0 > 0 }) else { throw invalid("bad chunk sizes \(chunks) for '\(d.name)'") }
                try check(nc_def_var_chunking(ncid, id, NC_CHUNKED, chunks), "chunk '\(d.name)'")
                if d.deflateLevel > 0 {
                    try check(nc_def_var_deflate(ncid, id, d.shuffle ? 1 : 0, 1, Int32(min(d.deflateLevel, 9))), "compress '\(d.name)'")
                }
            }
            if let fill = d.fillValue, d.type.isNumeric { try putAttribute(id, NCAttribute(name: "_FillValue", type: d.type, value: .doubles([fill]))) }
            if let s = d.scaleFactor { try putAttribute(id, NCAttribute("scale_factor", .doubles([s]))) }
            if let o = d.addOffset { try putAttribute(id, NCAttribute("add_offset", .doubles([o]))) }
            if let u = d.units { try putAttribute(id, NCAttribute("units", .text(u))) }
            if let l = d.longName { try putAttribute(id, NCAttribute("long_name", .text(l))) }
            if let s = d.standardName { try putAttribute(id, NCAttribute("standard_name", .text(s))) }
            for a in d.attributes where a.name != "_FillValue" { try putAttribute(id, a) }
            let packing = d.scaleFactor != nil || d.addOffset != nil ? CFPacking(scaleFactor: d.scaleFactor, addOffset: d.addOffset) : nil
            vars[d.name] = Variable(id: id, type: d.type, dimensions: d.dimensions, fill: d.fillValue, packing: packing)
        }
    }

    /// One step along leading dimensions, the full extent of the last two (and 1024 along an unlimited 1-D axis).
    private func defaultChunks(_ names: [String]) -> [Int] {
        names.enumerated().map { i, name in
            let length = dims[name]?.length
            if i >= names.count - 2 { return length ?? (names.count == 1 ? 1024 : 1) }
            return 1
        }
    }

    /// Adds or replaces an attribute of a variable, or a global attribute when `variable` is nil.
    public func setAttribute(_ attribute: NCAttribute, on variable: String? = nil) throws {
        try guarded { try putAttribute(variable == nil ? NC_GLOBAL : try lookup(variable!).id, attribute) }
    }

    /// Writes `tensor` into variable `name` at `start` (default the origin). A tensor of lower rank fills the
    /// trailing dimensions (leading counts 1). NaN is stored as the variable's _FillValue.
    public func write(_ name: String, _ tensor: Tensor, start: [Int]? = nil) throws {
        try guarded {
            try tensor.withUnsafeBufferPointer { buffer in
                try put(name, shape: tensor.shape, start: start) { Double(buffer[$0]) }
            }
        }
    }

    /// Writes Double values (e.g. coordinates or time) into variable `name`; `shape` defaults to [values.count].
    public func write(_ name: String, doubles values: [Double], shape: [Int]? = nil, start: [Int]? = nil) throws {
        try guarded {
            let s = shape ?? [values.count]
            guard s.allSatisfy({ $0 >= 0 }), saturatingProduct(s) == values.count else { throw GridIOError.shapeMismatch(what: "'\(name)' values", expected: s, got: [values.count]) }
            try put(name, shape: s, start: start) { values[$0] }
        }
    }

    /// Appends one step of variable `name` along its unlimited dimension; `step` has the variable's shape without
    /// that dimension. With `time`, also writes that value into the unlimited dimension's coordinate variable.
    /// Returns the index written.
    @discardableResult
    public func append(_ name: String, _ step: Tensor, time: Double? = nil) throws -> Int {
        try guarded {
            let v = try lookup(name)
            guard let axis = v.dimensions.firstIndex(where: { dims[$0]?.isUnlimited == true }) else {
                throw invalid("'\(name)' has no unlimited dimension to append along")
            }
            let index = appended[name] ?? 0
            var expected = v.dimensions.map { dims[$0]?.length ?? 1 }
            expected.remove(at: axis)
            guard step.shape == expected else { throw GridIOError.shapeMismatch(what: "step of '\(name)'", expected: expected, got: step.shape) }
            var shape = step.shape
            shape.insert(1, at: axis)
            var start = [Int](repeating: 0, count: v.dimensions.count)
            start[axis] = index
            try step.withUnsafeBufferPointer { buffer in try put(name, shape: shape, start: start) { Double(buffer[$0]) } }
            if let t = time {
                let axisName = v.dimensions[axis]
                guard vars[axisName] != nil else { throw invalid("no coordinate variable '\(axisName)' to write time \(t) into") }
                try put(axisName, shape: [1], start: [index]) { _ in t }
            }
            appended[name] = index + 1
            return index
        }
    }

    /// Closes the file and renames it onto the final path. After an error the temporary file is gone and any
    /// existing file at the final path is untouched.
    public func finish() throws {
        guard state == .open else { throw GridIOError.writeFailed(path: path, detail: "writer already \(state == .finished ? "finished" : "failed")") }
        let status = withLibraryLock { nc_close(ncid) }
        guard status == NC_NOERR else {
            state = .failed
            output.discard()
            throw GridIOError.writeFailed(path: path, detail: "close: \(ncMessage(status))")
        }
        do {
            try output.commit()
            state = .finished
        } catch {
            state = .failed
            throw error
        }
    }

    // MARK: - internals

    /// Runs `body`; on any error closes and deletes the temporary file, so the writer fails as a whole.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        guard state == .open else { throw GridIOError.writeFailed(path: path, detail: "writer already \(state == .finished ? "finished" : "failed")") }
        do {
            return try withLibraryLock(body)
        } catch let error as GridIOError {
            abandon()
            throw error
        } catch let failure as EncodeFailure {
            abandon()
            throw GridIOError.writeFailed(path: path, detail: failure.value.isNaN
                ? "NaN in a \(failure.type.rawValue) variable without _FillValue" : "\(failure.value) does not fit type \(failure.type.rawValue)")
        } catch {
            abandon()
            throw GridIOError.writeFailed(path: path, detail: "\(error)")
        }
    }

    private func abandon() {
        state = .failed
        withLibraryLock { _ = nc_abort(ncid) }
        output.discard()
    }

    func lookup(_ name: String) throws -> Variable {
        guard let v = vars[name] else { throw GridIOError.variableNotFound(name: name, available: vars.keys.sorted(), path: path) }
        return v
    }

    /// Checks the hyperslab against the defined dimensions and writes encoded values.
    private func put(_ name: String, shape: [Int], start: [Int]?, value: (Int) -> Double) throws {
        let v = try lookup(name)
        let rank = v.dimensions.count
        guard shape.count <= rank else { throw GridIOError.shapeMismatch(what: "data for '\(name)'", expected: v.dimensions.map { dims[$0]?.length ?? 0 }, got: shape) }
        let count = [Int](repeating: 1, count: rank - shape.count) + shape
        let origin = start ?? [Int](repeating: 0, count: rank)
        guard origin.count == rank else { throw GridIOError.invalidHyperslab(variable: name, detail: "start has \(origin.count) values for \(rank) dimensions") }
        for (i, dimName) in v.dimensions.enumerated() {
            guard origin[i] >= 0 else { throw GridIOError.invalidHyperslab(variable: name, detail: "negative start along '\(dimName)'") }
            if let length = dims[dimName]?.length, origin[i] + count[i] > length {
                throw GridIOError.shapeMismatch(what: "data for '\(name)' at \(origin)", expected: v.dimensions.map { dims[$0]?.length ?? 0 }, got: count)
            }
        }
        guard count.allSatisfy({ $0 >= 0 }) else { throw GridIOError.invalidHyperslab(variable: name, detail: "negative count in \(count)") }
        let n = saturatingProduct(count)
        guard n > 0 else { return }
        let bytes = try encodeNative(count: n, type: v.type, fill: v.fill, packing: v.packing, value: value)
        let s = rank == 0 ? [0] : origin, c = rank == 0 ? [1] : count
        try check(bytes.withUnsafeBytes { nc_put_vara(ncid, v.id, s, c, $0.baseAddress) }, "write '\(name)'")
    }

    /// Writes raw native bytes (used when copying a template variable unchanged).
    func putRaw(_ name: String, start: [Int], count: [Int], bytes: UnsafeRawPointer) throws {
        let v = try lookup(name)
        let s = start.isEmpty ? [0] : start, c = count.isEmpty ? [1] : count
        try check(nc_put_vara(ncid, v.id, s, c, bytes), "write '\(name)'")
    }

    func putAttribute(_ varID: Int32, _ a: NCAttribute) throws {
        let status: Int32
        switch a.value {
        case .text(let s) where a.type == .char || !a.type.isNumeric:
            let utf8 = Array(s.utf8)
            status = nc_put_att_text(ncid, varID, a.name, utf8.count, utf8.isEmpty ? [0] : utf8.map { CChar(bitPattern: $0) })
        case .strings(let list):
            var pointers = list.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            status = pointers.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                    nc_put_att_string(ncid, varID, a.name, list.count, $0)
                }
            }
        case .text:
            throw invalid("attribute '\(a.name)' holds text but has type \(a.type.rawValue)")
        default:
            let (n, bytes) = try attributeBytes(a)
            status = bytes.withUnsafeBytes { nc_put_att(ncid, varID, a.name, a.type.code, n, $0.baseAddress) }
        }
        try check(status, "attribute '\(a.name)'")
    }

    func defineDimensionIfNeeded(_ d: NCDimension) throws {
        if let existing = dims[d.name] {
            if let l = existing.length, !d.isUnlimited, l != d.length {
                throw GridIOError.shapeMismatch(what: "dimension '\(d.name)'", expected: [l], got: [d.length])
            }
            return
        }
        var id: Int32 = -1
        try check(nc_def_dim(ncid, d.name, d.isUnlimited ? 0 : d.length, &id), "define dimension '\(d.name)'")
        dims[d.name] = Dimension(id: id, length: d.isUnlimited ? nil : d.length)
    }

    func isDefined(_ name: String) -> Bool { vars[name] != nil }
    func withGuard<T>(_ body: () throws -> T) throws -> T { try guarded(body) }

    func check(_ status: Int32, _ what: @autoclosure () -> String) throws {
        if status != NC_NOERR { throw GridIOError.writeFailed(path: path, detail: "\(what()): \(ncMessage(status))") }
    }

    private func invalid(_ detail: String) -> GridIOError { .invalidArgument(detail: "\(path): \(detail)") }
}
