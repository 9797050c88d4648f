// The safetensors reader on hand-made bytes (dtype conversion, bounds checks) and the import's one-line errors.
import Foundation
import Testing
import GridTensor
import GridNN
import GridModels
import GridTrain
@testable import GridExchange

/// A safetensors file from a header object and raw data.
func safetensorsBytes(_ header: String, _ payload: [UInt8]) -> Data {
    var d = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
    d.append(Data(header.utf8)); d.append(contentsOf: payload)
    return d
}

@Suite struct SafeTensorsTests {
    @Test func halfAndBFloatConvertExactly() throws {
        // F16 0x3C00 = 1, 0xC000 = -2, 0x3555 ~ 0.33325195; BF16 0x3F80 = 1, 0x4049 = 3.140625.
        let f = try SafeTensors(data: safetensorsBytes(
            #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},"__metadata__":{"format":"pt"}}"#,
            [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35, 0x80, 0x3F, 0x49, 0x40]))
        #expect(try f.tensor("h").scalars == [1, -2, 0.33325195])
        #expect(try f.tensor("b").scalars == [1, 3.140625])
        #expect(f.metadata["format"] == "pt")
    }

    @Test func encodeThenReadRoundTrips() throws {
        let t = Tensor(shape: [2, 3], scalars: [1, -2.5, 3, .pi, 0, -0])
        let f = try SafeTensors(data: try SafeTensors.encode(["w": t, "b": Tensor(shape: [1], scalars: [7])]))
        #expect(try f.tensor("w").scalars == t.scalars && f.entries["w"]?.shape == [2, 3])
        #expect(try f.tensor("b").scalars == [7])
    }

    @Test func damagedFilesAreOneLineErrors() throws {
        let good = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let bad: [(Data, String)] = [
            (Data([1, 2, 3]), "shorter than"),
            (safetensorsBytes(good, [0, 0, 0, 0]), "truncated"),
            (safetensorsBytes(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)), "bytes for shape"),
            (safetensorsBytes(#"{"w":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)), "unknown dtype"),
            (safetensorsBytes("[1,2]", []), "not a JSON object"),
            (Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0]), "header length"),
        ]
        for (data, phrase) in bad {
            do { _ = try SafeTensors(data: data, path: "w.safetensors"); Issue.record("accepted: \(phrase)") } catch let e as GridError {
                #expect(e.description.contains(phrase) && !e.description.contains("\n"), "\(e.description)")
            }
        }
        let ints = try SafeTensors(data: safetensorsBytes(#"{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)))
        #expect(throws: GridError.self) { _ = try ints.tensor("n") }
    }

    @Test func importNamesWhatDoesNotFit() throws {
        let dir = fixtures.appendingPathComponent("unet")
        let spec = try TorchImport.SpecFile.read(dir.appendingPathComponent("spec.json").path)
        let weights = try SafeTensors.read(dir.appendingPathComponent("weights.safetensors").path)
        var all = [String: Tensor]()
        for k in weights.entries.keys where weights.entries[k]!.dtype == "F32" { all[k] = try weights.tensor(k) }
        func message(_ tensors: [String: Tensor], prefix: String? = nil) throws -> String {
            let w = try SafeTensors(data: try SafeTensors.encode(tensors), path: "m.safetensors")
            do { _ = try TorchImport.checkpoint(weights: w, spec: spec, stripPrefix: prefix, version: "t"); return "" } catch let e as GridError {
                return e.description
            }
        }
        var missing = all; missing["mid.bn2.running_var"] = nil
        #expect(try message(missing).contains("missing 1 tensor(s) the unet model needs: mid.bn2.running_var"))
        var extra = all; extra["head.weight"] = Tensor(zeros: [2])
        #expect(try message(extra).contains("has no place for: head.weight"))
        var wrong = all; wrong["out.weight"] = Tensor(zeros: [3, 6, 3, 3])
        #expect(try message(wrong).contains("'out.weight' is [3, 6, 3, 3]"))
        var nan = all; nan["out.bias"] = Tensor(shape: [3], scalars: [0, .nan, 0])
        #expect(try message(nan).contains("NaN"))
        let prefixed = Dictionary(uniqueKeysWithValues: all.map { ("model." + $0.key, $0.value) })
        #expect(try message(prefixed, prefix: "model.") == "")
        // num_batches_tracked (I64 in PyTorch files) is ignored, not an extra key.
        #expect(weights.entries.keys.contains { $0.hasSuffix("num_batches_tracked") })
    }

    @Test func conditionedWaveNetIsRefusedInOneLine() throws {
        let spec = ModelSpec.wavenet(WaveNetConfig(classes: 8, residualChannels: 4, skipChannels: 4, layers: 2, conditionChannels: 3))
        let net = try spec.build()
        let ck = try Checkpoint(task: "t", modelSpec: spec, spec: ["a": 1], model: net, optimizer: nil, state: TrainingState(),
                                options: TrainingOptions(), version: "t")
        do { _ = try ONNXExport.model(of: ck, version: "t"); Issue.record("exported") } catch let e as GridError {
            #expect(e.description == "cannot export a conditioned WaveNet to ONNX (not supported by the exporter)")
        }
    }
}
