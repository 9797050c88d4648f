// Zarr stores (what xarray's `to_zarr` writes) open through libnetcdf's NCZarr, so a store is read wherever a NetCDF
// file is: same variables, attributes and CF decoding. A store is a directory (Zarr v2: .zgroup / .zarray /
// .zattrs) or a `file://...#mode=zarr` URL. NCZarr parses the JSON metadata and decodes chunks in C inside
// libnetcdf, so a store goes through the same probe and reader child as a netCDF-4 file (NetCDFFile).
import Foundation

enum ZarrStore {
    /// The URL libnetcdf opens for `path` when it names a Zarr store (nil when it does not), after checking the
    /// store's directory exists and is Zarr v2.
    static func libraryURL(_ path: String) throws -> String? {
        var directory = path, mode = "zarr,file", isURL = false
        if path.hasPrefix("file://") {
            isURL = true
            let body = path.dropFirst("file://".count)
            let parts = body.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            directory = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            if parts.count == 2 {
                // libnetcdf's fragment: mode=zarr|nczarr plus a storage kind; without one ("#mode=zarr") 4.9 hangs
                // looking for a store elsewhere, so local files get "file".
                let keys = parts[1].split(separator: "&").map { $0.lowercased() }
                guard let m = keys.first(where: { $0.hasPrefix("mode=") }), m.contains("zarr") else {
                    throw GridIOError.invalidArgument(detail: "\(path): only Zarr URLs (file://STORE#mode=zarr) are read; '#\(parts[1])' names another store")
                }
                var flags = m.dropFirst("mode=".count).split(separator: ",").map(String.init)
                guard flags.allSatisfy({ ["zarr", "nczarr", "file", "xarray", "noxarray"].contains($0) }) else {
                    throw GridIOError.invalidArgument(detail: "\(path): mode '\(flags.joined(separator: ","))': local stores read with mode=zarr or mode=nczarr (and file)")
                }
                if !flags.contains("file") { flags.append("file") }
                mode = flags.joined(separator: ",")
            }
        } else if path.contains("#mode=") {
            throw GridIOError.invalidArgument(detail: "\(path): a '#mode=' store needs a file:// URL (file:///absolute/path#mode=zarr) or the plain directory path")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            if isURL { throw GridIOError.fileNotFound(path: path) }
            return nil
        }
        guard isDirectory.boolValue else {
            if isURL { throw GridIOError.library(path: path, detail: "a Zarr URL must name a directory store") }
            return nil
        }
        let fm = FileManager.default
        func has(_ name: String) -> Bool { fm.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) }
        if !has(".zgroup") && !has(".zarray") && !has(".zattrs") {
            if has("zarr.json") {
                throw GridIOError.library(path: path, detail: "a Zarr v3 store; libnetcdf reads Zarr v2 (write it with to_zarr(..., zarr_format=2))")
            }
            if isURL { throw GridIOError.library(path: path, detail: "not a Zarr store (no .zgroup, .zarray or .zattrs)") }
            return nil
        }
        // Always an absolute, percent-encoded path: libnetcdf would read "file://rel/dir" as host "rel".
        let absolute = (directory as NSString).isAbsolutePath
            ? directory : (fm.currentDirectoryPath as NSString).appendingPathComponent(directory)
        let encoded = (absolute as NSString).standardizingPath.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        return "file://\(encoded)#mode=\(mode)"
    }
}

extension ZarrStore {
    /// The store directory of a path or URL that `libraryURL` accepted.
    static func directory(_ path: String) -> String {
        guard path.hasPrefix("file://") else { return path }
        let body = String(path.dropFirst("file://".count).split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return body.removingPercentEncoding ?? body
    }

    /// What libnetcdf 4.9 does not carry over from a Zarr v2 array, checked against each array's `.zarray`:
    /// - the array's fill_value (where xarray keeps `_FillValue`) is not exposed, so it is added as a `_FillValue`
    ///   attribute for CF masking;
    /// - chunks under a compressor or filter need NCZarr codec plugins, without which libnetcdf returns the encoded
    ///   bytes as values: such variables are listed with the reason, and reading them is refused.
    static func reconcile(_ group: NCGroup, store: String) -> (NCGroup, unreadable: [String: String]) {
        var unreadable = [String: String]()
        func visit(_ g: NCGroup) -> NCGroup {
            var g = g
            g.variables = g.variables.map { v in
                var v = v
                let file = ((store as NSString).appendingPathComponent(v.path) as NSString).appendingPathComponent(".zarray")
                guard let data = FileManager.default.contents(atPath: file),
                      let meta = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return v }
                var codecs = [String]()
                if let c = meta["compressor"] as? [String: Any] { codecs.append(c["id"] as? String ?? "unknown") }
                if let fs = meta["filters"] as? [[String: Any]] { codecs += fs.map { $0["id"] as? String ?? "unknown" } }
                if !codecs.isEmpty {
                    unreadable[v.path] = "its Zarr chunks are encoded with \(codecs.joined(separator: "+")), which this libnetcdf cannot " +
                        "decode (no NCZarr codec plugins; it would return the encoded bytes). Write the store uncompressed " +
                        "(to_zarr(..., encoding={'\(v.name)': {'compressors': None}})) or convert it to NetCDF"
                } else if (meta["order"] as? String) == "F" {
                    unreadable[v.path] = "Fortran-ordered Zarr chunks are not read"
                } else if let bad = shortChunk(meta, directory: (file as NSString).deletingLastPathComponent) {
                    unreadable[v.path] = bad
                }
                if v.attribute("_FillValue") == nil, let fill = fillValue(meta["fill_value"], type: v.type) {
                    v.attributes.append(NCAttribute(name: "_FillValue", type: v.type, value: fill))
                }
                return v
            }
            g.groups = g.groups.map(visit)
            return g
        }
        return (visit(group), unreadable)
    }

    /// An uncompressed chunk always holds the whole chunk (edge chunks too); NCZarr reads a shorter file without
    /// complaint and fills the rest with whatever is in its buffer, so a truncated chunk is named instead.
    static func shortChunk(_ meta: [String: Any], directory: String) -> String? {
        // Numeric dtypes only ("<f4", "|u1", ...): for strings ("<U10") the number is not the item's byte size.
        guard let chunks = meta["chunks"] as? [Int], let dtype = meta["dtype"] as? String, dtype.count >= 3,
              "iufb".contains(dtype[dtype.index(after: dtype.startIndex)]),
              let size = Int(dtype.dropFirst(2)), size > 0 else { return nil }
        let expected = chunks.reduce(size, *)
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return nil }
        while let name = walker.nextObject() as? String {
            guard !(name as NSString).lastPathComponent.hasPrefix("."),
                  let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular,
                  let bytes = (attributes[.size] as? NSNumber)?.intValue else { continue }
            if bytes != expected {
                return "Zarr chunk '\(name)' has \(bytes) bytes where an uncompressed chunk of \(chunks) \(dtype) has \(expected): the store is truncated or damaged"
            }
        }
        return nil
    }

    /// A Zarr fill_value (number, or "NaN" / "Infinity" / "-Infinity") as an attribute value of the variable's type.
    static func fillValue(_ json: Any?, type: NCType) -> AttributeValue? {
        let value: Double
        switch json {
        case let n as NSNumber: value = n.doubleValue
        case let s as String:
            switch s {
            case "NaN": value = .nan
            case "Infinity": value = .infinity
            case "-Infinity": value = -.infinity
            default: return nil
            }
        default: return nil
        }
        if type == .float || type == .double { return .doubles([value]) }
        guard value.isFinite, let n = json as? NSNumber else { return nil }
        return .ints([n.int64Value])
    }
}
