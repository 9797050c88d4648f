// Errors of the jobs (downscale, detect, classify, ...): one line that says what and where.
public struct TaskError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
