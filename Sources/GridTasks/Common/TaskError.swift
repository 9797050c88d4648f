// Errors of the jobs (downscale, detect, classify, ...): one line that says what and where (GridError).
import GridTensor

/// The error every job throws for bad input or a failed step: `GridError` (GridTensor), whose description is one line
/// naming the file and variable where known, e.g. "in.nc: variable 'tas' has no valid values (all missing)". The CLI
/// prints it as `error: <description>` and exits 1.
public typealias TaskError = GridError
