/// A failure of the host's traffic machinery (the shared counter file), not of a request.
public struct TrafficError: Error, Sendable, CustomStringConvertible {
    private enum Code: String {
        case counterFile = "counter_file"
    }

    private let kind: Code
    /// A stable code: `counter_file`.
    public var code: String { kind.rawValue }
    /// What failed, naming the file.
    public let message: String
    /// The `errno` of the failed call, when there is one.
    public let errno: Int32?

    static func counterFile(_ message: String, errno: Int32?) -> TrafficError {
        TrafficError(kind: .counterFile, message: message, errno: errno)
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
