// Text (ncdump -h style, CF-decoded) and JSON renderings of a FileSummary.
import Foundation

extension FileSummary {
    /// JSON with sorted keys.
    public func renderJSON(pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase   // the one key style of every --json
        // Infinite values are valid data; JSON has no literal for them.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Like `ncdump -h`, with each variable's decoded statistics and each coordinate's decoded range as comments.
    public func renderText() -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var out = "netcdf \(name) {  // \(format)\n"
        let dims = dimensionOrder.isEmpty ? dimensions.keys.sorted() : dimensionOrder
        if !dims.isEmpty { out += "dimensions:\n" }
        for d in dims {
            let n = dimensions[d] ?? 0
            out += unlimitedDimensions.contains(d) ? "\t\(d) = UNLIMITED ; // (\(n) currently)\n" : "\t\(d) = \(n) ;\n"
        }
        let vars = variableOrder.isEmpty ? variables.keys.sorted() : variableOrder
        if !vars.isEmpty { out += "variables:\n" }
        for v in vars {
            guard let s = variables[v] else { continue }
            let dimsText = s.dims.isEmpty ? "" : "(" + s.dims.joined(separator: ", ") + ")"
            out += "\t\(s.type) \(v)\(dimsText) ;\(statisticsComment(s))\n"
            for a in s.attributes { out += "\t\t\(v):\(a.name) = \(a.quotedValue) ;\n" }
        }
        if !coordinates.isEmpty {
            out += "\n// coordinates (decoded):\n"
            for (c, info) in coordinates.sorted(by: { $0.key < $1.key }) {
                let role = [info.axis, info.kind].compactMap { $0 }.joined(separator: " ")
                var range = ""
                if let s = info.start, let e = info.end { range = "\(s) to \(e)" }
                else if let lo = info.min, let hi = info.max { range = "\(formatNumber(lo)) to \(formatNumber(hi))\(info.units.map { " " + $0 } ?? "")" }
                out += "//\t\(c): \(role)\(range.isEmpty ? "" : ", " + range)\n"
            }
        }
        if let t = time {
            out += "// time span: \(t.start) to \(t.end), \(t.steps) steps (\(t.units), calendar \(t.calendar))\n"
        }
        if !globalAttributes.isEmpty { out += "\n// global attributes:\n" }
        for a in globalAttributes { out += "\t\t:\(a.name) = \(a.quotedValue) ;\n" }
        return out + "}\n"
    }

    private func statisticsComment(_ s: VariableSummary) -> String {
        let total = s.valid + s.missing
        guard total > 0 else { return "" }
        guard let lo = s.min, let hi = s.max, let mean = s.mean else { return " // all \(total) values missing" }
        let units = s.units.map { " " + $0 } ?? ""
        return " // min \(formatNumber(lo)), max \(formatNumber(hi)), mean \(formatNumber(mean))\(units); missing \(s.missing) of \(total)"
    }
}
