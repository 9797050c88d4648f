// The one shape of every gridcnn error: a one-line message for the user (`description`), where it happened (file,
// variable) and the error underneath, kept for library callers instead of being flattened into the text. GridIO's
// typed cases, shape errors and the jobs' errors all conform, so the CLI reports every failure the same way.
/// The one shape of every gridcnn error: `description` is one line for the user that names the file; `path`,
/// `variable` and `underlying` keep the details for library callers. GridIO's typed errors, shape errors and the jobs'
/// errors all conform, so any failure can be reported and matched the same way (see ``GridFailure/cause(_:)``).
public protocol GridFailure: Error, CustomStringConvertible {
    /// The file (or store) the error is about, when there is one.
    var path: String? { get }
    /// The variable, dataset or option the error is about, when there is one.
    var variable: String? { get }
    /// The error this one explains (an IO error under a job's message).
    var underlying: (any Error)? { get }
}

extension GridFailure {
    /// None by default.
    public var path: String? { nil }
    /// None by default.
    public var variable: String? { nil }
    /// None by default.
    public var underlying: (any Error)? { nil }

    /// This error or the first one under it of type `T` (e.g. the GridIOError under a job's message).
    public func cause<T: Error>(_ type: T.Type) -> T? {
        if let t = self as? T { return t }
        var next = underlying
        while let e = next {
            if let t = e as? T { return t }
            next = (e as? any GridFailure)?.underlying
        }
        return nil
    }
}

/// A failure of a job, the training layer or a model description: what went wrong, in one line that names the file.
public struct GridError: GridFailure, Equatable {
    /// The one-line message, e.g. `model.h5: checkpoint checksum mismatch: the file is damaged`.
    public let description: String
    /// The file the error is about, if any.
    public let path: String?
    /// The variable, dataset or option the error is about, if any.
    public let variable: String?
    /// The error this one explains (e.g. the GridIOError under a job's message), if any.
    public let underlying: (any Error)?

    /// An error with its message and, optionally, the file, the variable and the error underneath.
    public init(_ description: String, path: String? = nil, variable: String? = nil, underlying: (any Error)? = nil) {
        self.description = description; self.path = path; self.variable = variable; self.underlying = underlying
    }

    /// Equal when message, path and variable are (the underlying error is not compared).
    public static func == (a: GridError, b: GridError) -> Bool {
        a.description == b.description && a.path == b.path && a.variable == b.variable
    }
}

extension ShapeError: GridFailure {}
