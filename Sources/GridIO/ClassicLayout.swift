// An independent, strict reader of the NetCDF-3 (CDF-1/2/5) header. It runs before nc_open because libnetcdf 4.9's
// own header parser crashes on some corrupt headers (e.g. a huge variable count), and afterwards to find how many
// bytes the data needs: libnetcdf silently returns zeros for data past the end of a truncated classic file.
import Foundation

enum ClassicLayout {
    /// Validates the header of a classic-family file. Returns the smallest file size that holds every variable's
    /// data (nil for a "streaming" record count), or throws `ParseFailure` with the reason the header is corrupt.
    static func validate(path: String) throws -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ParseFailure("cannot read the file") }
        defer { try? handle.close() }
        var parser = HeaderParser(handle: handle)
        return try parser.requiredSize()
    }
}

struct ParseFailure: Error {
    let reason: String
    init(_ reason: String = "malformed header") { self.reason = reason }
}

private struct HeaderParser {
    let handle: FileHandle
    var buffer = [UInt8]()
    var position = 0
    var version: UInt8 = 1
    var exhausted = false

    init(handle: FileHandle) { self.handle = handle }

    /// Makes `count` bytes from `position` available, reading more of the file in growing blocks.
    mutating func ensure(_ count: Int) throws {
        guard count >= 0, count < 1 << 40 else { throw ParseFailure("size \(count)") }
        while position + count > buffer.count {
            if exhausted || buffer.count > 256 << 20 { throw ParseFailure("header ends early") }
            let more = (try? handle.read(upToCount: max(buffer.count, 1 << 16))) ?? Data()
            if more.isEmpty { exhausted = true }
            buffer.append(contentsOf: more)
        }
    }

    mutating func bigEndian(_ width: Int) throws -> UInt64 {
        try ensure(width)
        var v: UInt64 = 0
        for i in 0..<width { v = v << 8 | UInt64(buffer[position + i]) }
        position += width
        return v
    }

    /// NON_NEG / nelems: 4 bytes, 8 in CDF-5.
    mutating func count() throws -> Int {
        let v = try bigEndian(version == 5 ? 8 : 4)
        guard v < UInt64(Int.max / 16) else { throw ParseFailure("count \(v)") }
        return Int(v)
    }

    mutating func skip(_ n: Int) throws {
        try ensure(n)
        position += n
    }

    /// A name: 1...256 bytes of UTF-8, possibly followed by NUL bytes up to the stored length. libnetcdf writes those
    /// NULs when a name is renamed to a shorter one in data mode (it overwrites the old name in place, keeping its
    /// length) and reads the name up to the first NUL; a NUL followed by anything else is corruption.
    @discardableResult
    mutating func name() throws -> String {
        let n = try count()
        guard n >= 1, n <= 256 else { throw ParseFailure("name of \(n) bytes") }
        try ensure(padded(n))
        let bytes = buffer[position..<(position + n)]
        position += padded(n)
        let text = bytes.prefix { $0 != 0 }
        guard !text.isEmpty else { throw ParseFailure("empty name") }
        guard bytes[text.endIndex...].allSatisfy({ $0 == 0 }) else { throw ParseFailure("name holds a NUL byte") }
        guard let name = String(validating: text, as: UTF8.self) else { throw ParseFailure("name is not UTF-8") }
        return name
    }

    /// A type code valid for this format version.
    mutating func type() throws -> Int {
        let code = try bigEndian(4)
        guard code >= 1, code <= (version == 5 ? 11 : 6) else { throw ParseFailure("type code \(code)") }
        return typeSize(code)
    }

    func padded(_ n: Int) -> Int { n >= Int.max - 3 ? Int.max : (n + 3) & ~3 }

    mutating func attributes() throws {
        let tag = try bigEndian(4)
        let n = try count()
        guard tag == 0x0C || (tag == 0 && n == 0) else { throw ParseFailure("attribute list tag \(tag)") }
        var names = Set<String>()
        for _ in 0..<n {
            guard names.insert(try name()).inserted else { throw ParseFailure("duplicate attribute name") }
            let size = try type()
            let nelems = try count()
            try skip(padded(nelems.multiplyingSaturating(size)))
        }
    }

    func typeSize(_ code: UInt64) -> Int {
        switch code {
        case 1, 2, 7: return 1
        case 3, 8: return 2
        case 4, 5, 9: return 4
        default: return 8
        }
    }

    mutating func requiredSize() throws -> Int? {
        try ensure(4)
        guard buffer[0] == 0x43, buffer[1] == 0x44, buffer[2] == 0x46, [1, 2, 5].contains(buffer[3]) else { throw ParseFailure("no CDF signature") }
        version = buffer[3]
        position = 4
        let numrecsRaw = try bigEndian(version == 5 ? 8 : 4)
        if numrecsRaw == 0xFFFF_FFFF || numrecsRaw == UInt64.max { return nil }
        guard numrecsRaw < UInt64(Int.max / 16) else { throw ParseFailure("record count \(numrecsRaw)") }
        let numrecs = Int(numrecsRaw)

        var tag = try bigEndian(4)
        var n = try count()
        guard tag == 0x0A || (tag == 0 && n == 0) else { throw ParseFailure("dimension list tag \(tag)") }
        var dimLengths: [Int] = []
        var dimNames = Set<String>()
        for _ in 0..<n {
            guard dimNames.insert(try name()).inserted else { throw ParseFailure("duplicate dimension name") }
            dimLengths.append(try count())
        }
        guard dimLengths.filter({ $0 == 0 }).count <= 1 else { throw ParseFailure("more than one unlimited dimension") }
        try attributes()

        tag = try bigEndian(4)
        n = try count()
        guard tag == 0x0B || (tag == 0 && n == 0) else { throw ParseFailure("variable list tag \(tag)") }
        struct Var { var begin: Int; var bytes: Int; var isRecord: Bool }
        var vars: [Var] = []
        var varNames = Set<String>()
        for _ in 0..<n {
            guard varNames.insert(try name()).inserted else { throw ParseFailure("duplicate variable name") }
            let ndims = try count()
            guard ndims <= 1024 else { throw ParseFailure("\(ndims) dimensions") }
            var dims: [Int] = []
            for k in 0..<ndims {
                let id = try count()
                guard id < dimLengths.count else { throw ParseFailure("dimension id \(id)") }
                // Only the first dimension of a variable may be the record dimension.
                guard k == 0 || dimLengths[id] != 0 else { throw ParseFailure("record dimension not first") }
                dims.append(id)
            }
            try attributes()
            let size = try type()
            _ = try count()  // vsize: saturates for huge variables, so recomputed from the dimensions below
            let begin = Int(clamping: try bigEndian(version == 1 ? 4 : 8))
            let isRecord = !dims.isEmpty && dimLengths[dims[0]] == 0
            var bytes = size
            for d in (isRecord ? dims.dropFirst() : dims[...]) {
                let (p, overflow) = bytes.multipliedReportingOverflow(by: dimLengths[d])
                bytes = overflow ? Int.max / 4 : p
            }
            vars.append(Var(begin: begin, bytes: bytes, isRecord: isRecord))
        }
        // Data starts after the header.
        guard vars.allSatisfy({ $0.begin >= position }) else { throw ParseFailure("variable data overlaps the header") }

        let records = vars.filter(\.isRecord)
        // One record per step holds every record variable, each padded to 4 bytes, except that a lone record
        // variable is packed without padding.
        let recordSize = records.count == 1 ? records[0].bytes : records.reduce(0) { $0.addingSaturating(padded($1.bytes)) }
        var needed = 0
        for v in vars {
            let end: Int
            if v.isRecord {
                guard numrecs > 0 else { continue }
                end = v.begin.addingSaturating((numrecs - 1).multiplyingSaturating(recordSize)).addingSaturating(v.bytes)
            } else {
                end = v.begin.addingSaturating(v.bytes)
            }
            needed = max(needed, end)
        }
        return needed
    }
}

private extension Int {
    func addingSaturating(_ other: Int) -> Int {
        let (r, o) = addingReportingOverflow(other)
        return o ? Int.max : r
    }

    func multiplyingSaturating(_ other: Int) -> Int {
        let (r, o) = multipliedReportingOverflow(by: other)
        return o ? Int.max : r
    }
}
