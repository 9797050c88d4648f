// Reading variable data: whole variables or hyperslabs of any numeric type, converted to Float (Tensor) or Double,
// CF-decoded unless asked not to.
import CHDF5
import CNetCDF
import Foundation
import GridTensor

/// A validated hyperslab: per dimension the first index, the number of elements and the step between them.
public struct Hyperslab: Equatable, Sendable {
    /// The first index along each dimension, in the variable's dimension order.
    public var start: [Int]
    /// How many elements to take along each dimension (the result's shape).
    public var count: [Int]
    /// The step between taken indices along each dimension (1: contiguous).
    public var stride: [Int]

    /// The number of values the slab holds (the product of `count`, saturating instead of overflowing).
    public var elementCount: Int { saturatingProduct(count) }
    var isUnitStride: Bool { stride.allSatisfy { $0 == 1 } }

    /// Fills in defaults (start 0, stride 1, count "to the end") and checks the slab lies inside `variable`.
    public init(variable v: NCVariable, start: [Int]? = nil, count: [Int]? = nil, stride: [Int]? = nil) throws {
        let shape = v.shape
        let rank = shape.count
        let start = start ?? [Int](repeating: 0, count: rank)
        let stride = stride ?? [Int](repeating: 1, count: rank)
        func bad(_ detail: String) -> GridIOError { .invalidHyperslab(variable: v.path, detail: detail) }
        guard start.count == rank else { throw bad("start has \(start.count) values for \(rank) dimensions") }
        guard stride.count == rank else { throw bad("stride has \(stride.count) values for \(rank) dimensions") }
        var count = count ?? []
        if count.isEmpty && rank > 0 {
            count = (0..<rank).map { i in stride[i] > 0 && start[i] <= shape[i] ? (shape[i] - start[i] + stride[i] - 1) / stride[i] : 0 }
        }
        guard count.count == rank else { throw bad("count has \(count.count) values for \(rank) dimensions") }
        for i in 0..<rank {
            let name = v.dimensions[i].name
            guard stride[i] >= 1 else { throw bad("stride \(stride[i]) along '\(name)' must be at least 1") }
            guard start[i] >= 0, start[i] <= shape[i] else { throw bad("start \(start[i]) outside '\(name)' of length \(shape[i])") }
            guard count[i] >= 0 else { throw bad("negative count \(count[i]) along '\(name)'") }
            if count[i] > 0 {
                let (span, overflow) = (count[i] - 1).multipliedReportingOverflow(by: stride[i])
                let (last, overflow2) = start[i].addingReportingOverflow(span)
                guard !overflow, !overflow2, last < shape[i] else {
                    throw bad("start \(start[i]) + count \(count[i]) x stride \(stride[i]) exceeds '\(name)' of length \(shape[i])")
                }
            }
        }
        self.start = start
        self.count = count
        self.stride = stride
    }
}

extension NetCDFFile {
    /// Reads variable `name` (or the hyperslab start/count/stride of it) into a Float tensor of shape `count`.
    /// With `decode`, fill/missing/out-of-range values become NaN and packed values are unpacked.
    public func read(_ name: String, start: [Int]? = nil, count: [Int]? = nil, stride: [Int]? = nil,
                     decode: Bool = true) throws -> Tensor {
        let v = try variable(name)
        return try read(v, Hyperslab(variable: v, start: start, count: count, stride: stride), decode: decode)
    }

    /// Reads a hyperslab of `variable` into a Float tensor.
    public func read(_ v: NCVariable, _ slab: Hyperslab, decode: Bool = true) throws -> Tensor {
        guard slab.count.count <= Tensor.maxRank else {
            throw GridIOError.invalidHyperslab(variable: v.path, detail: "rank \(slab.count.count) exceeds the tensor maximum \(Tensor.maxRank)")
        }
        try checkReadable(v, slab)
        var tensor = Tensor(uninitializedShape: slab.count)
        try tensor.withUnsafeMutableBufferPointer { try readValues(v, slab, decode: decode, into: $0) }
        return tensor
    }

    /// Reads variable `name` (or a hyperslab) as Doubles in row-major order; use this for coordinates such as time,
    /// whose values lose precision as Float.
    public func readDoubles(_ name: String, start: [Int]? = nil, count: [Int]? = nil, stride: [Int]? = nil,
                            decode: Bool = true) throws -> [Double] {
        let v = try variable(name)
        let slab = try Hyperslab(variable: v, start: start, count: count, stride: stride)
        try checkReadable(v, slab)
        return try [Double](unsafeUninitializedCapacity: slab.elementCount) { buffer, initialized in
            initialized = 0
            try readValues(v, slab, decode: decode, into: buffer)
            initialized = slab.elementCount
        }
    }

    /// Reads a char variable as strings, one per index of the leading dimensions (the last dimension is the text).
    public func readText(_ name: String) throws -> [String] {
        let v = try variable(name)
        guard v.type == .char else { throw GridIOError.unsupportedType(name: v.path, type: v.type.rawValue, path: path) }
        try refuseAbsurdSize(v)
        let slab = try Hyperslab(variable: v)
        guard slab.elementCount <= Int(clamping: ProcessInfo.processInfo.physicalMemory) else {
            throw GridIOError.tooLarge(name: v.path, bytes: slab.elementCount, path: path)
        }
        var bytes = [UInt8](repeating: 0, count: max(slab.elementCount, 1))
        if slab.elementCount > 0 { try getSlab(v, slab, &bytes) }
        let width = max(v.shape.last ?? 1, 1)
        return stride(from: 0, to: slab.elementCount, by: width).map { i in
            String(decoding: bytes[i..<min(i + width, slab.elementCount)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Declared sizes of 10^12 values or more: a streaming summary would read for days and a whole read could never
    /// fit, so the variable is refused outright, before any allocation.
    public static let maxDeclaredValues = 1_000_000_000_000

    func refuseAbsurdSize(_ v: NCVariable) throws {
        let values = saturatingProduct(v.shape)
        if values >= Self.maxDeclaredValues { throw GridIOError.absurdSize(name: v.path, values: values, path: path) }
    }

    private func checkReadable(_ v: NCVariable, _ slab: Hyperslab) throws {
        try refuseAbsurdSize(v)
        guard v.type.isNumeric else { throw GridIOError.unsupportedType(name: v.path, type: v.type.rawValue, path: path) }
        // A corrupt header can describe absurd sizes; refuse before allocating rather than die in malloc.
        let (bytes, overflow) = slab.elementCount.multipliedReportingOverflow(by: max(v.type.size, 8))
        if overflow || bytes > Int(clamping: ProcessInfo.processInfo.physicalMemory) {
            throw GridIOError.tooLarge(name: v.path, bytes: overflow ? Int.max : bytes, path: path)
        }
    }

    /// Reads raw values and converts (and decodes) them into `dst`, which holds `slab.elementCount` elements.
    func readValues<Out: BinaryFloatingPoint>(_ v: NCVariable, _ slab: Hyperslab, decode: Bool,
                                              into dst: UnsafeMutableBufferPointer<Out>) throws {
        let n = slab.elementCount
        guard n > 0 else { return }
        let packing = decode ? CFPacking(variable: v) : nil
        // Same type in and out: read straight into the destination and decode in place.
        if (v.type == .float && Out.self == Float.self) || (v.type == .double && Out.self == Double.self) {
            try getSlab(v, slab, dst.baseAddress!)
            if let p = packing, !p.isIdentity {
                for i in 0..<n { dst[i] = Out(p.decode(Double(dst[i]))) }
            }
            return
        }
        let unsigned = packing?.isUnsigned ?? (v.text("_Unsigned")?.lowercased() == "true")
        switch (v.type, unsigned) {
        case (.byte, false): try convert(Int8.self, v, slab, packing, dst)
        case (.byte, true), (.ubyte, _): try convert(UInt8.self, v, slab, packing, dst)
        case (.short, false): try convert(Int16.self, v, slab, packing, dst)
        case (.short, true), (.ushort, _): try convert(UInt16.self, v, slab, packing, dst)
        case (.int, false): try convert(Int32.self, v, slab, packing, dst)
        case (.int, true), (.uint, _): try convert(UInt32.self, v, slab, packing, dst)
        case (.int64, false): try convert(Int64.self, v, slab, packing, dst)
        case (.int64, true), (.uint64, _): try convert(UInt64.self, v, slab, packing, dst)
        case (.float, _): try convert(Float.self, v, slab, packing, dst)
        case (.double, _): try convert(Double.self, v, slab, packing, dst)
        default: throw GridIOError.unsupportedType(name: v.path, type: v.type.rawValue, path: path)
        }
    }

    private func convert<T: NCNative, Out: BinaryFloatingPoint>(_: T.Type, _ v: NCVariable, _ slab: Hyperslab, _ packing: CFPacking?,
                                                                _ dst: UnsafeMutableBufferPointer<Out>) throws {
        let raw = UnsafeMutableBufferPointer<T>.allocate(capacity: slab.elementCount)
        defer { raw.deallocate() }
        try getSlab(v, slab, raw.baseAddress!)
        decodeValues(UnsafeBufferPointer(raw), into: dst, packing: packing)
    }

    /// One nc_get_vara/nc_get_vars call into native-typed memory.
    func getSlab(_ v: NCVariable, _ slab: Hyperslab, _ dst: UnsafeMutableRawPointer) throws {
        try refuseAbsurdSize(v)
        if let why = zarrUnreadable[v.path] { throw GridIOError.library(path: path, detail: "'\(v.path)': \(why)") }
        // A scalar variable still needs valid pointers.
        let start = slab.start.isEmpty ? [0] : slab.start
        let count = slab.count.isEmpty ? [1] : slab.count
        let stride = slab.stride.isEmpty ? [1] : slab.stride
        let status = try withLibraryLock { () throws -> Int32 in
            if let reader {
                let bytes = slab.elementCount * v.type.size
                return try reader.run(what: "reading '\(v.path)'", bytes: bytes) { r, ms in
                    gc_reader_nc_get(r, v.groupID, v.varID, Int32(slab.start.count), start, count, stride,
                                     slab.isUnitStride ? 1 : 0, dst, bytes, ms)
                }
            }
            return slab.isUnitStride ? nc_get_vara(v.groupID, v.varID, start, count, dst)
                                     : nc_get_vars(v.groupID, v.varID, start, count, stride, dst)
        }
        if status != NC_NOERR {
            throw GridIOError.truncatedOrCorrupt(path: path, detail: "reading '\(v.path)': \(ncMessage(status))")
        }
    }

    /// Sets the chunk cache of a NetCDF-4 variable (a no-op for classic files, which have no chunks).
    public func setChunkCache(_ v: NCVariable, bytes: Int, slots: Int = 1009, preemption: Float = 0.75) throws {
        guard !format.isClassicFamily else { return }
        let status = try withLibraryLock { () throws -> Int32 in
            let local = nc_set_var_chunk_cache(v.groupID, v.varID, bytes, slots, preemption)
            guard local == NC_NOERR, let reader, reader.isRunning else { return local }
            return try reader.run(what: "setting the chunk cache of '\(v.path)'", bytes: 0) { r, ms in
                gc_reader_nc_cache(r, v.groupID, v.varID, bytes, slots, preemption, ms)
            }
        }
        if status != NC_NOERR {
            throw GridIOError.library(path: path, detail: "setting the chunk cache of '\(v.path)': \(ncMessage(status))")
        }
    }
}
