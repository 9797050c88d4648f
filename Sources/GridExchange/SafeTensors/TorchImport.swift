// `gridcnn import`: weights trained in PyTorch (a safetensors state_dict) into a gridcnn checkpoint, for a model
// described by a ModelSpec. gridcnn lays tensors out as PyTorch does (Conv [Cout, Cin/g, k...], ConvTranspose
// [Cin, Cout/g, k...], Linear [out, in]) and names parameters by module path, so the mapping is the identity except
// for batch-norm statistics (docs/pytorch-weights.md lists the PyTorch module each model kind corresponds to).
import Foundation
import GridTensor
import GridNN
import GridModels
import GridTrain

/// `gridcnn import-weights`: a PyTorch state dict saved as safetensors, mapped onto a `ModelSpec`'s
/// parameter names (docs/pytorch-weights.md), checked name by name and shape by shape, and written as a gridcnn
/// checkpoint that the task jobs apply like a trained one.
public enum TorchImport {
    /// What `--model-spec` holds: a bare ModelSpec {"kind", "config"}, or this wrapper naming the task the checkpoint
    /// is for and its record (then `gridcnn downscale|detect|...` apply the imported model like a trained one).
    public struct SpecFile: Decodable {
        /// The architecture the weights belong to.
        public var model: ModelSpec
        /// The task the checkpoint is for (nil: recorded as `imported`, which the task jobs refuse to apply).
        public var task: String?
        /// That task's record as JSON (normalisation, variables, grid), what applying the model needs.
        public var taskSpec: String?

        enum CodingKeys: String, CodingKey { case model, task, taskSpec = "task_spec" }

        /// Decodes a bare ModelSpec `{"kind", "config"}` or the wrapper `{"model", "task", "task_spec"}`.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.model) {
                model = try c.decode(ModelSpec.self, forKey: .model)
                task = try c.decodeIfPresent(String.self, forKey: .task)
                if c.contains(.taskSpec) {
                    let record = try c.decode(AnyJSON.self, forKey: .taskSpec)
                    taskSpec = try jsonString(record)
                }
            } else {
                model = try ModelSpec(from: decoder)
            }
        }

        /// Reads `path`; throws one line naming it when it cannot be read or is neither form.
        public static func read(_ path: String) throws -> SpecFile {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw GridError("\(path): cannot read the model spec (\((error as NSError).localizedDescription))", path: path)
            }
            do { return try JSONDecoder().decode(SpecFile.self, from: data) } catch let e as GridError {
                throw GridError("\(path): \(e.description)", path: path)
            } catch {
                throw GridError("\(path): not a model spec ({\"kind\": ..., \"config\": {...}} or {\"model\": ..., \"task\": ..., \"task_spec\": {...}}): \(error)", path: path)
            }
        }
    }

    /// What the import wrote, for the CLI's line or JSON.
    public struct Report: Codable, Sendable {
        /// The checkpoint written.
        public var output: String
        /// The architecture.
        public var modelKind: String
        /// The task recorded in the checkpoint.
        public var task: String
        /// Tensors taken from the file.
        public var tensors: Int
        /// Scalars in the model's parameters.
        public var parameters: Int
        /// Keys of the file that were not used (outside the prefix, or state gridcnn does not keep such as `num_batches_tracked`).
        public var ignored: [String]
        /// The dtypes converted to Float32.
        public var convertedFrom: [String]
    }

    /// The gridcnn name of a PyTorch state_dict key, or nil for keys gridcnn does not keep.
    public static func gridcnnName(_ torchKey: String) -> String? {
        if torchKey.hasSuffix(".num_batches_tracked") { return nil }
        if torchKey.hasSuffix(".running_mean") { return String(torchKey.dropLast("running_mean".count)) + "runningMean" }
        if torchKey.hasSuffix(".running_var") { return String(torchKey.dropLast("running_var".count)) + "runningVar" }
        return torchKey
    }

    /// Builds the model of `spec`, fills it from the safetensors file and returns the checkpoint (not yet saved).
    public static func checkpoint(weights: SafeTensors, spec: SpecFile, stripPrefix: String?, version: String) throws -> (Checkpoint, Report) {
        let model: Module
        do { model = try spec.model.build() } catch { throw GridError("model spec: \(error)") }
        var byName = [String: String](), ignored = [String]()
        for key in weights.entries.keys.sorted() {
            var k = key
            if let p = stripPrefix, !p.isEmpty {
                guard k.hasPrefix(p) else { ignored.append(key); continue }
                k.removeFirst(p.count)
            }
            guard let name = gridcnnName(k) else { ignored.append(key); continue }
            if let other = byName[name] { throw GridError("\(weights.path): '\(other)' and '\(key)' both map to \(name)") }
            byName[name] = key
        }
        let wanted = model.parameters.map { ($0.name, $0.param.value.shape) } + model.buffers.map { ($0.name, $0.buffer.value.shape) }
        let missing = wanted.map(\.0).filter { byName[$0] == nil }
        if !missing.isEmpty {
            throw GridError("\(weights.path): missing \(missing.count) tensor(s) the \(spec.model.kind) model needs: \(list(missing.map(torchName)))")
        }
        let extra = Set(byName.keys).subtracting(wanted.map(\.0)).sorted()
        if !extra.isEmpty {
            throw GridError("\(weights.path): \(extra.count) tensor(s) the \(spec.model.kind) model has no place for: \(list(extra.map { byName[$0]! }))")
        }
        var state = [String: Tensor](), dtypes = Set<String>()
        for (name, shape) in wanted {
            let key = byName[name]!
            let entry = weights.entries[key]!
            guard entry.shape == shape else {
                throw GridError("\(weights.path): '\(key)' is \(shapeDescription(entry.shape)), the \(spec.model.kind) model needs \(shapeDescription(shape)) for \(name)")
            }
            let t = try weights.tensor(key)
            guard t.scalars.allSatisfy({ $0.isFinite }) else { throw GridError("\(weights.path): '\(key)' holds NaN or infinite values") }
            state[name] = t
            dtypes.insert(entry.dtype)
        }
        try model.load(stateDict: state)
        let ck = try Checkpoint(task: spec.task ?? "imported", modelSpec: spec.model, spec: RawJSON(spec.taskSpec ?? "{}"), model: model,
                                optimizer: nil, state: TrainingState(), options: TrainingOptions(), version: version)
        let report = Report(output: "", modelKind: spec.model.kind, task: ck.task, tensors: state.count, parameters: model.parameterCount,
                            ignored: ignored, convertedFrom: dtypes.sorted())
        return (ck, report)
    }

    /// `checkTask(task, record)` throws when the record is not what that task's apply path decodes (the CLI knows
    /// the tasks; this target does not), so a checkpoint that a job would refuse is never written.
    public static func run(weights path: String, specPath: String, output: String, overwrite: Bool, stripPrefix: String?,
                           version: String, checkTask: (String, String) throws -> Void = { _, _ in }) throws -> Report {
        let spec = try SpecFile.read(specPath)
        if let task = spec.task {
            guard let record = spec.taskSpec else { throw GridError("\(specPath): task '\(task)' given without its task_spec record") }
            do { try checkTask(task, record) } catch { throw GridError("\(specPath): \(describeError(error))", path: specPath) }
        }
        let weights = try SafeTensors.read(path)
        var (ck, report) = try checkpoint(weights: weights, spec: spec, stripPrefix: stripPrefix, version: version)
        try ck.save(to: output, overwrite: overwrite)
        report.output = output
        return report
    }

    static func describeError(_ error: Error) -> String { String(describing: error) }

    /// The PyTorch spelling of a gridcnn name (for messages).
    static func torchName(_ name: String) -> String {
        if name.hasSuffix(".runningMean") { return String(name.dropLast("runningMean".count)) + "running_mean" }
        if name.hasSuffix(".runningVar") { return String(name.dropLast("runningVar".count)) + "running_var" }
        return name
    }

    static func list(_ names: [String]) -> String {
        names.count <= 6 ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + ", ... (\(names.count - 6) more)"
    }
}

/// A task record that is already JSON text (encoded as itself).
struct RawJSON: Encodable {
    let text: String
    init(_ text: String) { self.text = text }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(try JSONDecoder().decode(AnyJSON.self, from: Data(text.utf8)))
    }
}

/// Any JSON value (to carry a task record through Codable).
indirect enum AnyJSON: Codable {
    // Integers first, so a UInt64 seed survives exactly.
    case null, bool(Bool), int(Int64), uint(UInt64), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let u = try? c.decode(UInt64.self) { self = .uint(u) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .uint(let u): try c.encode(u)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
