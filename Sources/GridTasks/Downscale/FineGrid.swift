// The fine grid of a downscaled output: copied from a static field's file when one is given (its coordinates are
// the truth), otherwise derived from the coarse grid by splitting each cell into factor x factor cells.
import Foundation
import GridTensor
import GridIO

enum FineGrid {
    /// Centres of `factor` sub-cells per coarse cell, assuming evenly spaced coarse centres.
    static func refine(_ coarse: [Double], factor: Int) -> [Double] {
        guard coarse.count > 1 else { return coarse.flatMap { c in (0..<factor).map { _ in c } } }
        var out = [Double]()
        for (i, c) in coarse.enumerated() {
            let d = i + 1 < coarse.count ? coarse[i + 1] - c : c - coarse[i - 1]
            for k in 0..<factor { out.append(c - d / 2 + (Double(k) + 0.5) * d / Double(factor)) }
        }
        return out
    }

    /// An unlimited time axis with the source's time attributes (units, calendar), minus `bounds`: bounds are not
    /// carried over, so no attribute may point at them.
    static func defineTime(in writer: NetCDFWriter, name: String, from source: NetCDFFile) throws {
        try defineAxis(in: writer, name, length: nil, from: source, values: nil)
    }

    /// Defines dimension `dim` (nil length: unlimited) and, when `source` has its coordinate variable, that variable
    /// with the source's attributes (minus `bounds`, which are not carried over) and, if given, `values` of the
    /// source's coordinate values.
    static func defineAxis(in writer: NetCDFWriter, _ dim: String, length: Int?, from source: NetCDFFile,
                                  values: (([Double]) -> [Double])?) throws {
        try writer.defineDimension(dim, length: length)
        guard source.hasVariable(dim) else { return }
        let cv = try source.variable(dim)
        // Only a CF coordinate variable (1-D over its own dimension) describes the axis; anything else named like
        // the dimension is left out rather than read as its coordinates.
        guard cv.dimensions.map(\.name) == [dim] else { return }
        var def = NCVariableDefinition(name: dim, dimensions: [dim], type: .double)
        def.fillValue = nil
        def.attributes = cv.attributes.filter { !$0.name.hasPrefix("_") && $0.name != "bounds" }
        try writer.defineVariable(def)
        if let values {
            let out = values(try source.readDoubles(dim))
            guard length == nil || out.count == length else {
                throw TaskError("\(source.path): coordinate variable '\(dim)' does not fit its \(length!)-point axis", path: source.path, variable: dim)
            }
            try writer.write(dim, doubles: out)
        }
    }

    /// Copies the grid mapping variable of `field` (e.g. rotated_pole) and returns the attribute that refers to it.
    static func copyGridMapping(in writer: NetCDFWriter, field: GridField, from source: NetCDFFile) throws -> NCAttribute? {
        guard let m = field.variable.text("grid_mapping"), source.hasVariable(m) else { return nil }
        try writer.copyVariable(m, from: source)
        return NCAttribute("grid_mapping", .text(m))
    }

    /// Defines time (unlimited, copied), y and x with their coordinates, and any grid mapping, in `writer`;
    /// returns the (time, y, x) dimension names for the data variable and attributes it should carry.
    /// `source`: the coarse file, when the caller has it open already.
    static func define(in writer: NetCDFWriter, coarse: GridField, factor: Int, statics: [GridField], source open: NetCDFFile? = nil) throws
        -> (dims: [String], attributes: [NCAttribute]) {
        let source = try open ?? NetCDFFile(path: coarse.path)
        var attributes = [NCAttribute]()
        let timeName = coarse.timeDimension ?? "time"
        try defineTime(in: writer, name: timeName, from: source)
        if let s = statics.first {
            // The static field's own coordinates describe the fine grid exactly.
            let sf = try NetCDFFile(path: s.path)
            try writer.copyCoordinates(from: sf, for: s.variable.name)
            if let m = s.variable.text("grid_mapping") { attributes.append(NCAttribute("grid_mapping", .text(m))) }
            if let c = s.variable.text("coordinates") { attributes.append(NCAttribute("coordinates", .text(c))) }
            return ([timeName, s.yDimension, s.xDimension], attributes)
        }
        for dim in [coarse.yDimension, coarse.xDimension] {
            let n = (dim == coarse.yDimension ? coarse.height : coarse.width) * factor
            try defineAxis(in: writer, dim, length: n, from: source) { refine($0, factor: factor) }
        }
        if let gm = try copyGridMapping(in: writer, field: coarse, from: source) { attributes.append(gm) }
        // 2-D auxiliary latitude/longitude (rotated grids): interpolate them to the fine grid.
        if let coords = coarse.variable.text("coordinates") {
            var written = [String]()
            for name in coords.split(separator: " ").map(String.init) where source.hasVariable(name) {
                let v = try source.variable(name)
                guard v.dimensionNames == [coarse.yDimension, coarse.xDimension] else { continue }
                let values = try source.read(name)
                let fine = Regrid.interpolate(values.unsqueezed(0), height: coarse.height * factor, width: coarse.width * factor, method: .bilinear)
                var def = NCVariableDefinition(name: name, dimensions: v.dimensionNames, type: .double)
                def.fillValue = nil
                def.attributes = v.attributes.filter { !$0.name.hasPrefix("_") && $0.name != "bounds" }
                try writer.defineVariable(def)
                try writer.write(name, doubles: fine.scalars.map(Double.init), shape: [coarse.height * factor, coarse.width * factor])
                written.append(name)
            }
            if !written.isEmpty { attributes.append(NCAttribute("coordinates", .text(written.joined(separator: " ")))) }
        }
        return ([timeName, coarse.yDimension, coarse.xDimension], attributes)
    }
}
