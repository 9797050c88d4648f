import GridTensor

// What every job that writes a file shares: where, whether an existing file may be replaced (only once the new one
// is complete), progress output, the ranks that share the work, and the provenance written into it (the command line as `history`, the version).
public struct OutputSettings: Sendable {
    public var path: String
    public var overwrite = false
    public var quiet = false
    /// The command that made the file (the CLI passes its command line).
    public var history: String
    public var version = "dev"
    /// The ranks sharing the job's steps (MPI); the first one writes. Alone by default.
    public var group: ProcessGroup = SingleProcess()

    public init(path: String, history: String) { self.path = path; self.history = history }
}
