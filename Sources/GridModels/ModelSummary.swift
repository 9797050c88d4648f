// Layer-by-layer summary of a model (like torchinfo): one forward pass on a batch of zeros in eval mode, traced
// through Module.callAsFunction. JSON: {"total_params", "trainable_params", "input_shape", "layers": [{"name", "type",
// "output_shape", "params"}]}.
import Foundation
import GridTensor
import GridAutograd
import GridNN

/// What `gridcnn summary` prints: each layer's output shape and parameter count for one input, and the totals; made by
/// running the model once on zeros with a GridNN `LayerTrace` recording the calls.
public struct ModelSummary: Codable, Equatable, Sendable {
    /// One layer of the summary.
    public struct Row: Codable, Equatable, Sendable {
        /// Path of the layer in the model ("down.0.conv1"); "(Type)" for a layer the model does not own.
        public var name: String
        /// The layer's type name (`Conv`, `ReLU`, `BatchNorm`).
        public var type: String
        /// The shape it returned, batch axis included.
        public var outputShape: [Int]
        /// Parameters of this layer and its sublayers (counted at the layer's first call only).
        public var params: Int
        /// Nesting depth (1 = child of the model); not part of the JSON.
        public var depth: Int = 1

        enum CodingKeys: String, CodingKey { case name, type, outputShape = "output_shape", params }
    }

    /// Scalars in all parameters.
    public var totalParams: Int
    /// Scalars in the parameters that require gradients.
    public var trainableParams: Int
    /// The input traced, batch axis included.
    public var inputShape: [Int]
    /// The layers in call order.
    public var layers: [Row]
    /// Containers listed too (the table indents by depth then); not part of the JSON.
    public var nested = false

    enum CodingKeys: String, CodingKey {
        case totalParams = "total_params", trainableParams = "trainable_params", inputShape = "input_shape", layers
    }

    /// Traces `model` on zeros of `inputShape` (batch included). `leavesOnly` keeps layers without sublayers, whose
    /// parameter counts add up to the total; otherwise containers are listed too (with recursive counts).
    public init(_ model: any Layer, inputShape: [Int], leavesOnly: Bool = true) {
        var names = [ObjectIdentifier: String]()
        for (n, l) in model.namedModules where names[ObjectIdentifier(l)] == nil { names[ObjectIdentifier(l)] = n }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.isTraining = wasTraining }
        let trace = LayerTrace()
        // Not inside GradMode.withNoGrad: that flag is process-wide, and flipping it would stop graph recording in
        // other threads (a trainer running beside a summary). A batch-of-one graph is small and dropped at once.
        _ = trace.record { model(Variable(Tensor(zeros: inputShape))) }
        var seen = Set<ObjectIdentifier>(), rows = [Row]()
        for r in trace.rows {
            let id = ObjectIdentifier(r.layer)
            if id == ObjectIdentifier(model) { continue }
            if leavesOnly && !r.layer.namedChildren.isEmpty { continue }
            let params = seen.insert(id).inserted ? r.layer.parameterCount : 0
            rows.append(Row(name: names[id] ?? "(\(r.layer.typeName))", type: r.layer.typeName, outputShape: r.outputShape,
                            params: params, depth: r.depth))
        }
        totalParams = model.parameterCount
        trainableParams = model.trainableParameterCount
        self.inputShape = inputShape
        layers = rows
        nested = !leavesOnly
    }

    /// The summary as JSON (sorted keys; pretty-printed unless `pretty` is false).
    public func json(pretty: Bool = true) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// A fixed-width table: layer (type), output shape, parameter count, then totals.
    public var table: String {
        func grouped(_ n: Int) -> String {
            let s = String(n)
            var out = ""
            for (i, c) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(c) }
            return String(out.reversed())
        }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
        let minDepth = layers.map(\.depth).min() ?? 1
        let labels = layers.map { String(repeating: "  ", count: nested ? $0.depth - minDepth : 0) + "\($0.name) (\($0.type))" }
        let shapes = layers.map { shapeDescription($0.outputShape) }
        let w1 = max(24, (labels.map(\.count).max() ?? 0) + 2), w2 = max(16, (shapes.map(\.count).max() ?? 0) + 2), w3 = 14
        let rule = String(repeating: "=", count: w1 + w2 + w3)
        var lines = [rule, pad("Layer (type)", w1) + pad("Output Shape", w2) + "Param #".leftPadded(w3), rule]
        for (i, r) in layers.enumerated() {
            lines.append(pad(labels[i], w1) + pad(shapes[i], w2) + grouped(r.params).leftPadded(w3))
        }
        lines += [rule, "Input shape: \(shapeDescription(inputShape))", "Total params: \(grouped(totalParams))",
                  "Trainable params: \(grouped(trainableParams))", "Non-trainable params: \(grouped(totalParams - trainableParams))", rule]
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ w: Int) -> String { count >= w ? self : String(repeating: " ", count: w - count) + self }
}
