// Checkpoints: one HDF5 file (readable with h5py) holding what is needed to apply a model or to resume training
// exactly: model kind and config, weights, buffers (batch-norm statistics), optimiser state, training state and
// options (epoch, step, seed), the task's own record (normalisation, variable, factor, ...), and a SHA-256 over all
// tensors so a damaged file is refused instead of silently giving wrong answers. Written atomically.
import Foundation
import GridTensor
import GridIO
import GridNN
import GridModels

/// A trained model as one HDF5 file (readable with h5py): the `ModelSpec`, weights, buffers (batch-norm statistics),
/// optimiser state, training state and options, the task's record as JSON, the task's extra tensors, and a SHA-256 over
/// all tensors so that a damaged file is refused rather than giving wrong answers.
///
/// Layout: root attributes `format`, `format_version`, `gridcnn_version`, `task`, `model_kind`, `model_spec`,
/// `task_spec`, `training_state`, `training_options`, `content_sha256`, `created`; groups `/weights`, `/buffers`,
/// `/optimizer`, `/task` with one Float32 dataset per tensor. A value type: saving and loading do not share state, so
/// different checkpoints may be saved or loaded on different threads at once.
public struct Checkpoint {
    /// The value of the root attribute `format` that marks a gridcnn checkpoint; ``load(_:)`` refuses files without it.
    public static let format = "gridcnn-checkpoint"
    /// 2: the model as one ModelSpec (`model_spec`); 1 stored a kind and a config apart (still read).
    public static let formatVersion: Int64 = 2

    /// The task that trained the model (e.g. `downscale`, `detect`); ``TrainedModel`` refuses a checkpoint of another task.
    public var task: String
    /// The exact architecture, to rebuild the model.
    public var model: ModelSpec
    /// The architecture's name (`model.kind`, e.g. `srcnn`, `unet`), stored as the `model_kind` attribute.
    public var modelKind: String { model.kind }
    /// The task's record (e.g. DownscaleSpec) as JSON.
    public var taskSpec: String
    /// Epoch, step, best score, history and random streams at the moment of saving: what a resume continues from.
    public var trainingState: TrainingState
    /// The options the model was trained with; a resume must use the same ones.
    public var trainingOptions: TrainingOptions
    /// The model's parameters by dotted module path (`Layer.parameters` names), each in the layer's own axis order.
    public var weights: [String: Tensor]
    /// Non-trained state by module path, such as batch normalisation's running mean and variance.
    public var buffers: [String: Tensor]
    /// The optimiser's state (e.g. AdamW's moments and step count) by name; empty when saved without an optimiser.
    public var optimizer: [String: Tensor]
    /// Tensors the task needs to apply the model (e.g. a training climatology), group /task.
    public var extras: [String: Tensor] = [:]
    /// The version of gridcnn that wrote the file (informational: loading does not depend on it).
    public var gridcnnVersion: String

    /// A checkpoint from its parts; `taskSpec` is the task's record already encoded as JSON (see ``jsonString(_:)``).
    public init(task: String, model: ModelSpec, taskSpec: String, trainingState: TrainingState,
                trainingOptions: TrainingOptions, weights: [String: Tensor], buffers: [String: Tensor],
                optimizer: [String: Tensor], gridcnnVersion: String) {
        self.task = task; self.model = model; self.taskSpec = taskSpec
        self.trainingState = trainingState; self.trainingOptions = trainingOptions
        self.weights = weights; self.buffers = buffers; self.optimizer = optimizer; self.gridcnnVersion = gridcnnVersion
    }

    /// Captures a model (and optionally its optimiser) with the task's record.
    public init<Spec: Encodable>(task: String, modelSpec: ModelSpec, spec: Spec, model: any Layer,
                                 optimizer: Optimizer?, state: TrainingState, options: TrainingOptions, version: String) throws {
        let snap = Snapshot(model, optimizer)
        self.init(task: task, model: modelSpec, taskSpec: try jsonString(spec), trainingState: state, trainingOptions: options,
                  weights: snap.weights, buffers: snap.buffers, optimizer: snap.optimizer, gridcnnVersion: version)
    }

    /// SHA-256 over every tensor's name, shape and bytes, in name order.
    public var contentChecksum: String {
        var data = Data()
        for (group, dict) in [("weights", weights), ("buffers", buffers), ("optimizer", optimizer), ("task", extras)] {
            for name in dict.keys.sorted() {
                let t = dict[name]!
                data.append(contentsOf: Array("\(group)/\(name)\(t.shape)".utf8))
                t.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
            }
        }
        return SHA256.hex(data)
    }

    /// Writes the checkpoint to `path` atomically: a temporary file in the same folder, renamed over `path` only when
    /// complete, so an existing checkpoint stays whole if writing fails. Throws a `GridIOError` when the file exists and
    /// `overwrite` is false, or when the folder is not writable or the disk fills.
    public func save(to path: String, overwrite: Bool = true) throws {
        let w = try HDF5Writer(path: path, overwrite: overwrite)
        let attrs: [(String, HDF5Value)] = [
            ("format", .string(Checkpoint.format)), ("format_version", .int(Checkpoint.formatVersion)),
            ("gridcnn_version", .string(gridcnnVersion)), ("task", .string(task)), ("model_kind", .string(modelKind)),
            ("model_spec", .string(try jsonString(model))), ("task_spec", .string(taskSpec)),
            ("training_state", .string(try jsonString(trainingState))), ("training_options", .string(try jsonString(trainingOptions))),
            ("content_sha256", .string(contentChecksum)),
            ("created", .string(ISO8601DateFormatter().string(from: Date()))),
        ]
        for (k, v) in attrs { try w.setAttribute(k, v) }
        for (group, dict) in [("weights", weights), ("buffers", buffers), ("optimizer", optimizer), ("task", extras)] {
            try w.createGroup("/" + group)
            for (name, t) in dict { try w.writeDataset("/\(group)/\(name)", t) }
        }
        try w.finish()
    }

    /// Loads and verifies a checkpoint; a file that is not one, is damaged, or is from a newer format is refused.
    public static func load(_ path: String) throws -> Checkpoint {
        let f: HDF5File
        do { f = try HDF5File(path: path) } catch let e as GridIOError {
            throw TrainError("\(path): not a readable gridcnn checkpoint (\(e.description))", path: path, underlying: e)
        }
        func text(_ name: String) throws -> String {
            let value: HDF5Value
            do { value = try f.attribute(name) } catch GridIOError.attributeNotFound, GridIOError.objectNotFound {
                throw TrainError("\(path): not a gridcnn checkpoint (attribute '\(name)' missing)")
            } catch let e as GridIOError {
                // Present but unreadable (a corrupt heap, a crash in the reader process): say so, not "missing".
                throw TrainError("\(path): damaged checkpoint (\(e.description))")
            }
            guard case .string(let s) = value else { throw TrainError("\(path): not a gridcnn checkpoint (attribute '\(name)' is not text)") }
            return s
        }
        guard try text("format") == format else { throw TrainError("\(path): not a gridcnn checkpoint") }
        var version: Int64 = 1
        if case .int(let v)? = try? f.attribute("format_version") { version = v }
        guard version <= formatVersion else {
            throw TrainError("\(path): checkpoint format \(version) is newer than this gridcnn understands (\(formatVersion))")
        }
        func group(_ g: String) throws -> [String: Tensor] {
            guard f.contains("/" + g) else { return [:] }
            var out = [String: Tensor]()
            for name in try f.children(of: "/" + g) { out[name] = try f.readTensor("/\(g)/\(name)") }
            return out
        }
        let decoder = JSONDecoder()
        var ck: Checkpoint
        do {
            let model: ModelSpec
            // Format 2 stores the model as one spec; format 1 as a kind and a config (no attribute listing: a corrupt
            // attribute heap would be walked in this process, see IsolatedReader).
            if version >= 2 {
                model = try decoder.decode(ModelSpec.self, from: Data(try text("model_spec").utf8))
            } else {
                model = try ModelSpec(kind: try text("model_kind"), configJSON: try text("model_config"))
            }
            ck = Checkpoint(task: try text("task"), model: model,
                            taskSpec: try text("task_spec"),
                            trainingState: try decoder.decode(TrainingState.self, from: Data(try text("training_state").utf8)),
                            trainingOptions: try decoder.decode(TrainingOptions.self, from: Data(try text("training_options").utf8)),
                            weights: try group("weights"), buffers: try group("buffers"), optimizer: try group("optimizer"),
                            gridcnnVersion: try text("gridcnn_version"))
            ck.extras = try group("task")
        } catch let e as TrainError { throw e } catch let e as GridIOError {
            throw TrainError("\(path): damaged checkpoint (\(e.description))", path: path, underlying: e)
        } catch {
            throw TrainError("\(path): damaged checkpoint (\(error))", path: path, underlying: error)
        }
        guard try text("content_sha256") == ck.contentChecksum else {
            throw TrainError("\(path): checkpoint checksum mismatch: the file is damaged")
        }
        return ck
    }

    /// Decodes the task's record.
    public func spec<Spec: Decodable>(_ type: Spec.Type) throws -> Spec {
        do { return try JSONDecoder().decode(type, from: Data(taskSpec.utf8)) } catch {
            throw TrainError("checkpoint for task '\(task)' has an unreadable task record: \(error)")
        }
    }

    /// Copies weights and buffers into a model built from the same config; names and shapes must match.
    public func restore(into model: any Layer) throws {
        for (name, p) in model.parameters {
            guard let t = weights[name] else { throw TrainError("checkpoint has no weight '\(name)' (model kind \(modelKind))") }
            guard t.shape == p.value.shape else {
                throw TrainError("checkpoint weight '\(name)' is \(shapeDescription(t.shape)), the model needs \(shapeDescription(p.value.shape))")
            }
            p.value = t
        }
        for (name, b) in model.buffers {
            guard let t = buffers[name], t.shape == b.value.shape else { throw TrainError("checkpoint buffer '\(name)' missing or misshapen") }
            b.value = t
        }
    }
}

/// Errors of training and checkpoints (GridError: one line, with the file and the error underneath).
public typealias TrainError = GridError

/// Sorted-key JSON, the form configs and task records are stored in.
public func jsonString<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return String(decoding: try e.encode(value), as: UTF8.self)
}
