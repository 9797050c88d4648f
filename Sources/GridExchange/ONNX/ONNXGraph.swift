// A small builder over the generated ONNX messages (onnx.pb.swift): nodes with attributes, initialisers named by
// the gridcnn parameter path, and fresh value names. Everything here is plain data; ONNXLayers decides what to emit.
import Foundation
import GridTensor

/// One ONNX node attribute (the subset the exporter writes).
enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)
    case string(String, String)

    var proto: Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        switch self {
        case let .int(n, v): a.name = n; a.type = .int; a.i = Int64(v)
        case let .ints(n, v): a.name = n; a.type = .ints; a.ints = v.map(Int64.init)
        case let .float(n, v): a.name = n; a.type = .float; a.f = v
        case let .string(n, v): a.name = n; a.type = .string; a.s = Data(v.utf8)
        }
        return a
    }
}

/// ONNX TensorProto.DataType codes used here.
enum ONNXDataType: Int32 { case float = 1, int64 = 7 }

final class ONNXGraphBuilder {
    private(set) var nodes = [Onnx_NodeProto]()
    private(set) var initializers = [Onnx_TensorProto]()
    private var used = Set<String>()
    private var counter = 0

    /// A value name not used yet, readable in Netron (the layer path plus the op).
    func fresh(_ hint: String) -> String {
        var name = hint.isEmpty ? "v" : hint
        while used.contains(name) { counter += 1; name = "\(hint)_\(counter)" }
        used.insert(name)
        return name
    }

    /// A Float32 initialiser under exactly `name` (a parameter or buffer path).
    @discardableResult
    func initializer(_ name: String, _ t: Tensor) -> String {
        precondition(!used.contains(name), "ONNX initialiser \(name) emitted twice")
        used.insert(name)
        initializers.append(ONNXTensors.floatProto(name: name, t))
        return name
    }

    /// An int64 constant (shapes, axes, slice bounds).
    func int64s(_ hint: String, _ values: [Int]) -> String {
        let name = fresh(hint)
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = ONNXDataType.int64.rawValue
        p.dims = [Int64(values.count)]
        var raw = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { raw.append(contentsOf: $0) } }
        p.rawData = raw
        initializers.append(p)
        return name
    }

    /// A float constant of any shape (scales, constants of composed activations).
    func floats(_ hint: String, _ values: [Float], shape: [Int]) -> String {
        let name = fresh(hint)
        initializers.append(ONNXTensors.floatProto(name: name, Tensor(shape: shape, scalars: values)))
        return name
    }

    /// Appends a node and returns its (single) output name.
    @discardableResult
    func node(_ op: String, _ inputs: [String], _ hint: String, _ attributes: [ONNXAttribute] = []) -> String {
        let out = fresh(hint)
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = out
        n.input = inputs
        n.output = [out]
        n.attribute = attributes.map(\.proto)
        nodes.append(n)
        return out
    }
}

/// Tensor <-> TensorProto (little-endian raw data, as ONNX stores it).
public enum ONNXTensors {
    static func floatProto(name: String, _ t: Tensor) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = ONNXDataType.float.rawValue
        p.dims = t.shape.map(Int64.init)
        let values = t.contiguous().scalars
        var raw = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        p.rawData = raw
        return p
    }

    /// A serialised TensorProto (the `input_0.pb` / `output_0.pb` files of an ONNX test data set).
    public static func serialized(_ t: Tensor, name: String) throws -> Data {
        try floatProto(name: name, t).serializedData()
    }

    /// Reads a Float32 TensorProto (raw_data or float_data).
    public static func tensor(fromSerialized data: Data) throws -> (name: String, tensor: Tensor) {
        let p = try Onnx_TensorProto(serializedBytes: data)
        guard p.dataType == ONNXDataType.float.rawValue else {
            throw GridError("ONNX tensor '\(p.name)' has data type \(p.dataType), only float (1) is read")
        }
        let shape = p.dims.map { Int($0) }
        let count = shape.reduce(1, *)
        var values: [Float]
        if !p.rawData.isEmpty {
            guard p.rawData.count == count * 4 else { throw GridError("ONNX tensor '\(p.name)': \(p.rawData.count) bytes for \(count) floats") }
            values = p.rawData.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
        } else {
            values = p.floatData
        }
        guard values.count == count else { throw GridError("ONNX tensor '\(p.name)': \(values.count) values for shape \(shape)") }
        return (p.name, Tensor(shape: shape, scalars: values))
    }
}
