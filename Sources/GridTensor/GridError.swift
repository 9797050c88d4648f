// The one shape of every gridcnn error: a one-line message for the user (`description`), where it happened (file,
// variable) and the error underneath, kept for library callers instead of being flattened into the text. GridIO's
// typed cases, shape errors and the jobs' errors all conform, so the CLI reports every failure the same way.
public protocol GridFailure: Error, CustomStringConvertible {
    /// The file (or store) the error is about, when there is one.
    var path: String? { get }
    /// The variable, dataset or option the error is about, when there is one.
    var variable: String? { get }
    /// The error this one explains (an IO error under a job's message).
    var underlying: (any Error)? { get }
}

extension GridFailure {
    public var path: String? { nil }
    public var variable: String? { nil }
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
    public let description: String
    public let path: String?
    public let variable: String?
    public let underlying: (any Error)?

    public init(_ description: String, path: String? = nil, variable: String? = nil, underlying: (any Error)? = nil) {
        self.description = description; self.path = path; self.variable = variable; self.underlying = underlying
    }

    public static func == (a: GridError, b: GridError) -> Bool {
        a.description == b.description && a.path == b.path && a.variable == b.variable
    }
}

extension ShapeError: GridFailure {}
