// What every job that writes a file shares: where, whether an existing file may be replaced (only once the new one
// is complete), progress output, and the provenance written into it (the command line as `history`, the version).
public struct OutputSettings: Sendable {
    public var path: String
    public var overwrite = false
    public var quiet = false
    /// The command that made the file (the CLI passes its command line).
    public var history: String
    public var version = "dev"

    public init(path: String, history: String) { self.path = path; self.history = history }
}
