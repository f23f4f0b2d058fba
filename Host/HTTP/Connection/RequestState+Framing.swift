import CMicroHTTPD
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The framing checks (RFC 9112 §6) for a request that reached libmicrohttpd without the gate's look
/// at its raw head: a later request on a kept-alive connection. The first request's head was checked
/// whole by ``RequestFraming``; these make the same refusals from what libmicrohttpd parsed, on the
/// first access-handler call of every request: one walk of the parsed fields, no allocation.
extension RequestState {
    /// How a refused request is answered.
    enum FramingAnswer {
        /// Queued like any answer, with `Connection: close`.
        case queue(Response)
        /// Written on the socket by the server itself, after which the access handler returns
        /// `MHD_NO` and libmicrohttpd closes the connection: libmicrohttpd 0.9.75 has already queued
        /// an answer of its own (twice, for a malformed `Content-Length`), which must not go out.
        case replaceLibraryAnswer(status: Int, code: String, message: String)
    }

    /// How a request that passed frames its body, as the walk over its fields found it: the access
    /// handler needs no second look-up of either field.
    struct BodyFraming {
        /// The declared `Content-Length`, if any.
        var contentLength: Int?
        /// Whether it carries `Transfer-Encoding: chunked`.
        var chunked: Bool

        /// Whether there is a body to read.
        var hasBody: Bool { contentLength.map { $0 > 0 } ?? chunked }
    }

    /// The refusal when the parsed fields or the raw target frame the request ambiguously, else nil;
    /// `framing` receives how a request that passed frames its body.
    /// - Parameters:
    ///   - version: the request's HTTP version, as libmicrohttpd hands it to the access handler.
    ///   - url: the request's path, as libmicrohttpd hands it to the access handler.
    ///   - rawTargetLength: the raw target's length up to its first NUL, from the URI screen.
    ///   - context: the server, whose ``ServerConfiguration/maxHeaderFields`` is read only for a
    ///     request with many fields.
    static func framingAnswer(
        on connection: MHDConnection, url: UnsafePointer<CChar>, version: UnsafePointer<CChar>?, rawTargetLength: Int?, context: ServerContext,
        framing: inout BodyFraming
    ) -> FramingAnswer? {
        if let rawTargetLength, let version, URIScreen.targetHasNul(url: url, version: version, screenedLength: rawTargetLength) {
            return .queue(ErrorResponse.make(status: 400, code: "invalid_path", message: "The request target contains a NUL byte."))
        }
        var tally = FieldTally()
        withUnsafeMutablePointer(to: &tally) { pointer in
            _ = MHD_get_connection_values_n(connection.pointer, .HEADER_KIND, tallyField, pointer)
        }
        if tally.fields > Self.fieldsWithoutLimitCheck, tally.fields > context.configuration.maxHeaderFields {
            return .queue(ErrorResponse.make(status: 431, code: "too_many_header_fields", message: "The request has more than \(context.configuration.maxHeaderFields) header fields."))
        }
        if tally.malformedLength {
            return .replaceLibraryAnswer(status: 400, code: "malformed_content_length", message: "Content-Length must be a decimal number of bytes.")
        }
        if tally.badName {
            return .queue(ErrorResponse.make(status: 400, code: "invalid_header_field", message: "A header field name contains whitespace or a character a field name may not hold (whitespace before ':' is not allowed)."))
        }
        if tally.contentLengths > 0 && tally.transferEncodings > 0 {
            return .queue(ErrorResponse.make(status: 400, code: "conflicting_framing", message: "The request carries both Content-Length and Transfer-Encoding; send one of them."))
        }
        if tally.differingLengths {
            return .queue(ErrorResponse.make(status: 400, code: "conflicting_content_length", message: "The request carries two different Content-Length values."))
        }
        if tally.transferEncodings > 1 || tally.unknownCoding {
            return .queue(ErrorResponse.make(status: 501, code: "unsupported_transfer_coding", message: "Transfer-Encoding may only be 'chunked' here; other codings are not implemented."))
        }
        if tally.hosts > 1 {
            return .queue(ErrorResponse.make(status: 400, code: "duplicate_host", message: "The request carries more than one Host field."))
        }
        if tally.hosts == 0, let version, strcmp(version, "HTTP/1.1") == 0 {
            return .queue(ErrorResponse.make(status: 400, code: "missing_host", message: "An HTTP/1.1 request must carry a Host field."))
        }
        framing = BodyFraming(contentLength: tally.firstLength.map { Int(clamping: $0) }, chunked: tally.transferEncodings > 0)
        return nil
    }

    /// Up to this many fields no request reaches a field limit, so the limit is not read.
    static let fieldsWithoutLimitCheck = 32

    /// Answers `answer` on the first call of a request and ends its connection.
    static func refuse(_ answer: FramingAnswer, on connection: MHDConnection) -> MHD_Result {
        switch answer {
        case .queue(let response):
            return connection.queue(response, closing: true, requestID: RequestIdentifier.resolve(on: connection))
        case .replaceLibraryAnswer(let status, let code, let message):
            let socket = connection.socket
            if socket >= 0 { GateResponse.send(status: status, code: code, message: message, retryAfter: nil, on: socket) }
            return .NO
        }
    }
}

/// What the walk over the fields found.
struct FieldTally {
    var fields = 0
    var contentLengths = 0
    var firstLength: UInt64?
    var differingLengths = false
    var malformedLength = false
    var transferEncodings = 0
    var unknownCoding = false
    var hosts = 0
    var badName = false
}

/// libmicrohttpd's value iterator for ``RequestState/framingAnswer(on:url:version:rawTargetLength:context:framing:)``.
private func tallyField(
    _ context: UnsafeMutableRawPointer?,
    _ kind: MHD_ValueKind,
    _ key: UnsafePointer<CChar>?,
    _ keySize: Int,
    _ value: UnsafePointer<CChar>?,
    _ valueSize: Int
) -> MHD_Result {
    guard let context, let key else { return .YES }
    let tally = context.assumingMemoryBound(to: FieldTally.self)
    tally.pointee.fields += 1
    let name = UnsafeRawBufferPointer(start: key, count: keySize)
    let text = value.map { UnsafeRawBufferPointer(start: $0, count: valueSize) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    // libmicrohttpd keeps whitespace before the colon as part of the name.
    if !name.allSatisfy(RequestFraming.isTokenByte) { tally.pointee.badName = true }
    switch keySize {
    case 4 where RequestFraming.equalsIgnoringCase(name, "host"):
        tally.pointee.hosts += 1
    case 14 where RequestFraming.equalsIgnoringCase(name, "content-length"):
        // Parsed rather than copied, so the walk allocates nothing.
        guard let length = RequestFraming.decimal(RequestFraming.trimmed(text)) else {
            tally.pointee.malformedLength = true
            return .YES
        }
        if tally.pointee.contentLengths > 0 && length != tally.pointee.firstLength { tally.pointee.differingLengths = true }
        if tally.pointee.contentLengths == 0 { tally.pointee.firstLength = length }
        tally.pointee.contentLengths += 1
    case 17 where RequestFraming.equalsIgnoringCase(name, "transfer-encoding"):
        tally.pointee.transferEncodings += 1
        if !RequestFraming.equalsIgnoringCase(RequestFraming.trimmed(text), "chunked") { tally.pointee.unknownCoding = true }
    default:
        break
    }
    return .YES
}
