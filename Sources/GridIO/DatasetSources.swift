// Which files make up a dataset: each source is a path, a glob ("tas_day_*.nc") or a list file ("@files.txt", one
// path or glob per line, relative to the list's folder, '#' starts a comment). A glob or list that yields nothing is
// an error naming it, so a typo never becomes an empty or partial archive.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which files make up a dataset: each source is a path, a glob (`tas_day_*.nc`, matches sorted) or a list file
/// (`@files.txt`: one path or glob per line, relative to the list's folder, `#` starts a comment). A glob or list that
/// matches nothing throws ``GridIOError/invalidArgument(detail:)`` naming it, so a typo never becomes a partial archive.
public enum DatasetSources {
    /// Expands sources into file paths, in the order given (each glob's matches sorted); duplicates are dropped.
    public static func expand(_ sources: [String]) throws -> [String] {
        var out = [String](), seen = Set<String>()
        for source in sources {
            for path in try expand(source) where seen.insert(path).inserted { out.append(path) }
        }
        guard !out.isEmpty else { throw GridIOError.invalidArgument(detail: "no input files given") }
        return out
    }

    static func expand(_ source: String) throws -> [String] {
        if source.hasPrefix("@") {
            let listPath = String(source.dropFirst())
            guard let text = try? String(contentsOfFile: listPath, encoding: .utf8) else {
                throw GridIOError.invalidArgument(detail: "\(listPath): list file cannot be read")
            }
            let folder = (listPath as NSString).deletingLastPathComponent
            var paths = [String]()
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                    .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if line.isEmpty { continue }
                let path = line.hasPrefix("/") || folder.isEmpty ? line : folder + "/" + line
                paths += try expand(path)
            }
            guard !paths.isEmpty else { throw GridIOError.invalidArgument(detail: "\(listPath): list file names no files") }
            return paths
        }
        guard isGlob(source) else { return [source] }
        let matches = glob(source)
        guard !matches.isEmpty else { throw GridIOError.invalidArgument(detail: "\(source): no file matches this pattern") }
        return matches
    }

    /// True when the text has glob metacharacters.
    public static func isGlob(_ s: String) -> Bool { s.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// Sorted paths matching a shell pattern (no tilde or brace expansion).
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths = [String]()
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }
}
