// Copying definitions and values from an input file into a NetCDFWriter, so outputs carry the input's grid:
// lat/lon or rlat/rlon with rotated_pole, time with its units and calendar, bounds, and 2-D auxiliary coordinates.
import CNetCDF

extension NetCDFWriter {
    /// Copies variable `name` of `file` (dimensions as needed, type, every attribute, and with `values` its data,
    /// byte for byte). Does nothing if a variable of that name is already defined.
    public func copyVariable(_ name: String, from file: NetCDFFile, values: Bool = true) throws {
        let source = try file.variable(name)
        try withGuard {
            guard !isDefined(source.name) else { return }
            guard source.type.isNumeric || source.type == .char else {
                throw GridIOError.unsupportedType(name: source.path, type: source.type.rawValue, path: file.path)
            }
            for d in source.dimensions { try defineDimensionIfNeeded(d) }
            let definition = NCVariableDefinition(name: source.name, dimensions: source.dimensionNames, type: source.type,
                                                  deflateLevel: source.rank > 0 && source.type.isNumeric ? 4 : 0)
            var def = definition
            def.fillValue = nil
            // Attributes are copied verbatim (with their on-disk types) except the library's internal ones.
            def.attributes = source.attributes.filter { !$0.name.hasPrefix("_") || $0.name == "_FillValue" || $0.name == "_Unsigned" }
            if let fill = source.attributes.first(where: { $0.name == "_FillValue" }) {
                def.attributes.removeAll { $0.name == "_FillValue" }
                def.fillValue = fill.value.number
            }
            try defineVariable(def)
            guard values, source.type.isNumeric || source.rank > 0 else { return }
            try copyValues(source, from: file)
        }
    }

    /// Copies the CF coordinates of `variable` in `file`: its dimension coordinates, auxiliary coordinates (2-D
    /// lat/lon), their `bounds` variables and the grid mapping variable. Returns the names copied.
    @discardableResult
    public func copyCoordinates(from file: NetCDFFile, for variable: String, values: Bool = true) throws -> [String] {
        let system = try file.coordinateSystem(for: variable)
        var names = system.all.map(\.name)
        for n in names {
            if let bounds = try file.variable(n).text("bounds"), file.hasVariable(bounds) { names.append(bounds) }
        }
        if let m = system.gridMapping { names.append(m.variable) }
        var copied: [String] = []
        for n in names where !copied.contains(n) {
            try copyVariable(n, from: file, values: values)
            copied.append(n)
        }
        // Dimensions without a coordinate variable still need defining for the data variable.
        for d in try file.variable(variable).dimensions { try withGuard { try defineDimensionIfNeeded(d) } }
        return copied
    }

    /// Raw copy in slices along the first dimension, so memory stays bounded for large variables.
    private func copyValues(_ source: NCVariable, from file: NetCDFFile) throws {
        let shape = source.shape
        guard !shape.contains(0) else { return }
        let rowBytes = shape.dropFirst().reduce(source.type.size, *)
        let rowsPerSlice = shape.isEmpty ? 1 : max(1, min(shape[0], (64 << 20) / max(rowBytes, 1)))
        var first = 0
        repeat {
            var start = [Int](repeating: 0, count: shape.count), count = shape
            if !shape.isEmpty { start[0] = first; count[0] = min(rowsPerSlice, shape[0] - first) }
            let slab = try Hyperslab(variable: source, start: start, count: count)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(slab.elementCount * source.type.size, 1), alignment: 16)
            defer { buffer.deallocate() }
            try file.getSlab(source, slab, buffer)
            try putRaw(source.name, start: start, count: count, bytes: buffer)
            first += shape.isEmpty ? 1 : count[0]
        } while !shape.isEmpty && first < shape[0]
    }
}
