import GridTensor

/// What every job that writes a file shares: where, whether an existing file may be replaced (only once the new one
/// is complete), progress output, the ranks that share the work, and the provenance written into it (the command line as `history`, the version).
/// Used by every request type whose job writes a file (`DownscaleApplyRequest.output`, `LabelRequest.output`, ...);
/// the CLI fills it from its `--output/--overwrite/--quiet` flags. The file is written to a temporary name beside
/// `path` and renamed when complete, so an existing file is never left half-replaced.
public struct OutputSettings: Sendable {
    /// The output file. It must not exist unless `overwrite` is set.
    public var path: String
    /// Replace an existing `path` (only once the new file is complete). Default false: an existing file is an error.
    public var overwrite = false
    /// No progress output on stderr. Default false.
    public var quiet = false
    /// The command that made the file (the CLI passes its command line).
    public var history: String
    /// The gridcnn version written into the file's global attributes (the CLI passes its own). Default "dev".
    public var version = "dev"
    /// The ranks sharing the job's steps (MPI); the first one writes. Alone by default.
    public var group: ProcessGroup = SingleProcess()

    /// Settings writing to `path`, refusing to replace an existing file, with progress on stderr, on one process.
    public init(path: String, history: String) { self.path = path; self.history = history }
}
