// Errors of the jobs (downscale, detect, classify, ...): one line that says what and where (GridError).
import GridTensor

public typealias TaskError = GridError
