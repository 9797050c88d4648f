// The safetensors format (Hugging Face; what `safetensors.torch.save_file` writes): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw
// little-endian tensor bytes. Every offset and size is checked against the file before anything is read, so a
// truncated or foreign file is one line, never a crash. Floats (F32, F16, BF16, F64) convert to Float32.
import Foundation
import GridTensor

/// A safetensors file (what `safetensors.torch.save_file` writes): an 8-byte header length, a JSON header, then raw
/// little-endian tensor bytes. Every offset and size is checked against the file before anything is read, so a
/// truncated or foreign file is a one-line `GridError`, never a crash. The file is memory-mapped.
public struct SafeTensors {
    /// One tensor's description in the header.
    public struct Entry: Sendable {
        /// Its safetensors dtype (`F32`, `F16`, `BF16`, `F64`, `I64`, ...).
        public let dtype: String
        /// Its shape, PyTorch's axis order.
        public let shape: [Int]
        let range: Range<Int>
    }

    /// The file read (or `<memory>`), as errors name it.
    public let path: String
    /// Every tensor by its state-dict key.
    public let entries: [String: Entry]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let payload: Data

    /// Bytes per element of every dtype the format names (so a non-float tensor is still measured and checked).
    static let elementSize: [String: Int] = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                                             "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1]
    /// A header larger than this is not a weights file (the reference implementation refuses over 100 MB too).
    static let maxHeader = 100_000_000

    /// Reads and checks `path`; throws when it is missing, unreadable or not a well-formed safetensors file.
    public static func read(_ path: String) throws -> SafeTensors {
        guard FileManager.default.fileExists(atPath: path) else { throw GridError("\(path): no such file", path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw GridError("\(path): cannot read (\((error as NSError).localizedDescription))", path: path)
        }
        return try SafeTensors(data: data, path: path)
    }

    /// Parses and checks the bytes of a safetensors file (`path` only names it in errors).
    public init(data: Data, path: String = "<memory>") throws {
        func fail(_ why: String) -> GridError { GridError("\(path): not a safetensors file (\(why))", path: path) }
        self.path = path
        guard data.count >= 8 else { throw fail("\(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= UInt64(SafeTensors.maxHeader), n <= UInt64(data.count - 8) else {
            throw fail("header length \(n) does not fit a file of \(data.count) bytes")
        }
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + 8 + Int(n))
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        payload = data.subdata(in: data.startIndex + 8 + Int(n) ..< data.endIndex)
        var entries = [String: Entry](), metadata = [String: String]()
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let size = SafeTensors.elementSize[dtype] else { throw fail("tensor '\(name)' has unknown dtype \(dtype)") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)' has shape \(shape)") }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
            }
            guard !overflow, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload.count else {
                throw GridError("\(path): tensor '\(name)' lies outside the file (offsets \(offsets), \(payload.count) data bytes): truncated?", path: path)
            }
            guard offsets[1] - offsets[0] == count * size else {
                throw fail("tensor '\(name)' has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0] ..< offsets[1])
        }
        self.entries = entries; self.metadata = metadata
    }

    /// The tensor `name` as Float32 (from F32, F16, BF16 or F64).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw GridError("\(path): no tensor '\(name)'", path: path) }
        let count = e.shape.reduce(1, *)
        let values: [Float] = try payload.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            let base = e.range.lowerBound
            switch e.dtype {
            case "F32": return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * $0, as: UInt32.self))) }
            case "F64": return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * $0, as: UInt64.self)))) }
            case "F16": return (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * $0, as: UInt16.self)))) }
            case "BF16":
                // bfloat16 is the top half of a float32.
                return (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * $0, as: UInt16.self))) << 16) }
            default:
                throw GridError("\(path): tensor '\(name)' is \(e.dtype); only floating-point weights (F32, F16, BF16, F64) are read", path: path)
            }
        }
        return Tensor(shape: e.shape, scalars: values)
    }

    /// Encodes Float32 tensors as a safetensors file (names sorted, data in that order, header padded to 8 bytes).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header = [String: Any](), body = Data(), names = tensors.keys.sorted()
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        for name in names {
            let t = tensors[name]!.contiguous()
            let begin = body.count
            for v in t.scalars { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        names = []
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json); out.append(body)
        return out
    }
}
