// ModelSpec: the one description of a network that every job builds from and every checkpoint stores. Each case
// carries its architecture's full config, so the exact model can be rebuilt; the case name is the model kind users
// see (`--model jetcnn`, `gridcnn summary`). Stored as JSON {"kind": ..., "config": {...}}.
import Foundation
import GridTensor
import GridNN

/// The one description of a network that every job builds from and every checkpoint stores: one case per model kind,
/// each carrying its architecture's full config, so that the exact model can be rebuilt with ``build(seed:)``.
/// Encoded as JSON `{"kind": "unet", "config": {...}}`; the kind is the name users see (`--model unet`,
/// `gridcnn summary`). A value type, safe to share between threads.
public enum ModelSpec: Equatable, Sendable {
    case srcnn(SRCNNConfig)
    case unet(UNetConfig)
    case wavenet(WaveNetConfig)
    case tdnn(TDNNConfig)
    case resnet34(ResNetConfig)
    case maxout(MaxOutNetConfig)
    /// The feed-forward CNN presets; they differ only in their ConvNetConfig.
    case lenet5(ConvNetConfig), alexnet(ConvNetConfig), vgg16(ConvNetConfig), weathercnn(ConvNetConfig), jetcnn(ConvNetConfig)
    /// The extreme-weather patch classifier of the detection job.
    case patchcnn(ConvNetConfig)

    /// Every kind name, in the order the CLI lists them.
    public static let kinds = ["srcnn", "unet", "wavenet", "tdnn", "resnet34", "maxout", "lenet5", "alexnet", "vgg16",
                               "weathercnn", "jetcnn", "patchcnn"]

    /// The case's kind name (`srcnn`, `unet`, ..., `patchcnn`).
    public var kind: String {
        switch self {
        case .srcnn: return "srcnn"
        case .unet: return "unet"
        case .wavenet: return "wavenet"
        case .tdnn: return "tdnn"
        case .resnet34: return "resnet34"
        case .maxout: return "maxout"
        case .lenet5: return "lenet5"
        case .alexnet: return "alexnet"
        case .vgg16: return "vgg16"
        case .weathercnn: return "weathercnn"
        case .jetcnn: return "jetcnn"
        case .patchcnn: return "patchcnn"
        }
    }

    /// What every spatial input size must be a multiple of (UNet: 2^depth; others 1).
    public var inputMultiple: Int {
        if case .unet(let c) = self { return 1 << c.depth }
        return 1
    }

    /// One sample's input shape (no batch axis) where the architecture fixes it; spatial sizes of fully
    /// convolutional models are free (nil).
    public var fixedInputShape: [Int]? {
        switch self {
        case .lenet5(let c), .alexnet(let c), .vgg16(let c), .weathercnn(let c), .jetcnn(let c), .patchcnn(let c):
            return [c.inChannels] + c.inputSize
        case .maxout(let c): return [c.inFeatures]
        case .tdnn(let c): return [c.channels[0], c.frames]
        default: return nil
        }
    }

    /// A sample shape (no batch axis) for a summary: the fixed one, else a small input of the right rank.
    public var summaryInputShape: [Int] {
        if let s = fixedInputShape { return s }
        switch self {
        case .srcnn(let c): return [c.inChannels] + [Int](repeating: 64, count: c.spatialRank)
        case .unet(let c): return [c.inChannels] + [Int](repeating: 4 << c.depth, count: c.spatialRank)
        case .wavenet(let c): return [c.classes, 1000]
        case .resnet34(let c): return [c.inChannels] + [Int](repeating: 64, count: c.spatialRank)
        default: return []
        }
    }

    /// Checks the config can be built (a thrown error instead of a trap).
    public func validate() throws {
        switch self {
        case .lenet5(let c), .alexnet(let c), .vgg16(let c), .weathercnn(let c), .jetcnn(let c), .patchcnn(let c):
            try ConvNet.check(c)
        default: break
        }
    }

    /// The network, weights initialised from `seed`.
    public func build(seed: UInt64 = 0) throws -> Module {
        try validate()
        switch self {
        case .srcnn(let c): return SRCNN(c, seed: seed)
        case .unet(let c): return UNet(c, seed: seed)
        case .wavenet(let c): return WaveNet(c, seed: seed)
        case .tdnn(let c): return TDNN(c, seed: seed)
        case .resnet34(let c): return ResNet(c, seed: seed)
        case .maxout(let c): return MaxOutNet(c, seed: seed)
        case .lenet5(let c), .alexnet(let c), .vgg16(let c), .weathercnn(let c), .jetcnn(let c), .patchcnn(let c):
            return ConvNet(c, seed: seed)
        }
    }

    /// The spec of a kind name and its config's JSON (also how checkpoints of format 1 stored it).
    public init(kind: String, configJSON: String) throws {
        let data = Data(configJSON.utf8)
        func config<C: Decodable>(_ type: C.Type) throws -> C {
            do { return try JSONDecoder().decode(type, from: data) } catch {
                throw ModelSpecError("unreadable \(kind) model config: \(error)")
            }
        }
        switch kind {
        case "srcnn": self = .srcnn(try config(SRCNNConfig.self))
        case "unet": self = .unet(try config(UNetConfig.self))
        case "wavenet": self = .wavenet(try config(WaveNetConfig.self))
        case "tdnn": self = .tdnn(try config(TDNNConfig.self))
        case "resnet34": self = .resnet34(try config(ResNetConfig.self))
        case "maxout": self = .maxout(try config(MaxOutNetConfig.self))
        default:
            guard let preset = ModelSpec.convNetPresets[kind] else {
                throw ModelSpecError("unknown model kind '\(kind)' (known: \(ModelSpec.kinds.joined(separator: ", ")))")
            }
            self = preset(try config(ConvNetConfig.self))
        }
    }

    /// The feed-forward CNN kinds, all described by a ConvNetConfig.
    static let convNetPresets: [String: (ConvNetConfig) -> ModelSpec] = [
        "lenet5": ModelSpec.lenet5, "alexnet": ModelSpec.alexnet, "vgg16": ModelSpec.vgg16, "weathercnn": ModelSpec.weathercnn,
        "jetcnn": ModelSpec.jetcnn, "patchcnn": ModelSpec.patchcnn,
    ]

    /// The config alone, as sorted-key JSON.
    public var configJSON: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        func text<T: Encodable>(_ v: T) -> String { (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }
        switch self {
        case .srcnn(let c): return text(c)
        case .unet(let c): return text(c)
        case .wavenet(let c): return text(c)
        case .tdnn(let c): return text(c)
        case .resnet34(let c): return text(c)
        case .maxout(let c): return text(c)
        case .lenet5(let c), .alexnet(let c), .vgg16(let c), .weathercnn(let c), .jetcnn(let c), .patchcnn(let c): return text(c)
        }
    }
}

extension ModelSpec: Codable {
    enum CodingKeys: String, CodingKey { case kind, config }

    /// Decodes `{"kind", "config"}`; throws for an unknown kind or a config that does not decode as that kind's.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        // Re-encode the nested config so the one kind switch above does the decoding.
        let config = try c.decode(JSONValue.self, forKey: .config)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        self = try ModelSpec(kind: kind, configJSON: String(decoding: try e.encode(config), as: UTF8.self))
    }

    /// Encodes `{"kind", "config"}`, the config with sorted keys.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(try JSONDecoder().decode(JSONValue.self, from: Data(configJSON.utf8)), forKey: .config)
    }
}

/// Errors of model descriptions (an unknown kind, a config that cannot be built): one line.
public typealias ModelSpecError = GridError

/// Any JSON value, to carry a config through a keyed container without knowing its type.
enum JSONValue: Codable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
