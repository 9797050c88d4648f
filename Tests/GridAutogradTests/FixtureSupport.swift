// Loads Tests/Fixtures/torch_reference.json (made by Tests/Fixtures/make_torch_fixtures.py with PyTorch) and
// compares tensors with PyTorch's tolerance for float32.
import Foundation
import Testing
import GridTensor

struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
    var ints: [Int] { data.map { Int($0) } }
}

struct FixtureOutput: Decodable {
    let shape: [Int]
    let data: [Double]
    let indices: FixtureTensor?
    let running_mean_after: FixtureTensor?
    let running_var_after: FixtureTensor?
    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

enum ParamValue: Decodable {
    case int(Int), double(Double), bool(Bool), string(String), ints([Int]), other
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int.self) { self = .int(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([Int].self) { self = .ints(v) }
        else { self = .other }
    }
}

struct FixtureCase: Decodable, CustomTestStringConvertible {
    let name: String
    let op: String
    let params: [String: ParamValue]
    let inputs: [String: FixtureTensor]
    let output: FixtureOutput
    let upstream: FixtureTensor
    let grads: [String: FixtureTensor]?
    var testDescription: String { name }

    func ints(_ k: String) -> [Int] {
        switch params[k] { case .ints(let v): return v; case .int(let v): return [v]; default: return [] }
    }
    func int(_ k: String, _ d: Int = 0) -> Int { if case .int(let v) = params[k] { return v }; return d }
    func double(_ k: String, _ d: Double = 0) -> Double {
        switch params[k] { case .double(let v): return v; case .int(let v): return Double(v); default: return d }
    }
    func bool(_ k: String) -> Bool { if case .bool(let v) = params[k] { return v }; return false }
    func string(_ k: String) -> String { if case .string(let v) = params[k] { return v }; return "" }
}

let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadTorchFixtures() -> [FixtureCase] {
    let url = fixtureDirectory.appendingPathComponent("torch_reference.json")
    guard let data = try? Data(contentsOf: url) else { return [] }
    return (try? JSONDecoder().decode([FixtureCase].self, from: data)) ?? []
}

/// Largest |a - b| - (atol + rtol |b|); <= 0 means every element is within tolerance.
func excess(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5) -> Float {
    guard a.shape == b.shape else { return .infinity }
    var worst = -Float.infinity
    for (x, y) in zip(a.scalars, b.scalars) { worst = max(worst, abs(x - y) - (atol + rtol * abs(y))) }
    return a.count == 0 ? 0 : worst
}
