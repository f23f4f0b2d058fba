import CCurl

/// A failed outgoing request: refused by policy, or failed in libcurl.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    private enum Code: String {
        case notAllowed = "permission_denied"
        case invalidURL = "invalid_url"
        case transferFailed = "transfer_failed"
    }

    private let kind: Code

    /// A stable code: `permission_denied`, `invalid_url` or `transfer_failed`.
    public var code: String { kind.rawValue }
    /// What happened.
    public let message: String
    /// libcurl's result code, for transfer failures.
    public let curlCode: Int32?

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func notAllowed(_ message: String) -> CurlError { CurlError(kind: .notAllowed, message: message, curlCode: nil) }
    static func invalidURL(_ url: String) -> CurlError { CurlError(kind: .invalidURL, message: "\(url) is not an http or https URL", curlCode: nil) }

    /// Turns a libcurl status into an error, with libcurl's own words.
    static func check(_ status: CURLcode, _ action: String) throws(CurlError) {
        guard status != CURLE_OK else { return }
        throw CurlError(kind: .transferFailed, message: "\(action): \(String(cString: curl_easy_strerror(status)))", curlCode: Int32(status.rawValue))
    }
}
