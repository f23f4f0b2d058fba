import CMicroHTTPD
import PluginAPI

/// The look at each request's raw target that libmicrohttpd offers (its URI-log callback, before it
/// decodes the path and stores the query), for requests the connection gate does not see: the later
/// ones on a kept-alive connection.
///
/// A `%00` in the path (which libmicrohttpd would decode into a NUL that silently cuts the path) and
/// more query parameters than allowed (which exhaust libmicrohttpd 0.9.75's connection memory and
/// leave the request unanswered until the idle timeout) are marked in the request's context; the
/// access handler then answers them at once. For too many parameters the query is also cut here, so
/// libmicrohttpd never tries to store it. A target that passes is tagged with its length, by which
/// the access handler sees a raw NUL that cut it. A walk over the target's bytes: no allocation, no
/// call.
enum URIScreen {
    /// Marks in `*con_cls`: addresses no object can have (objects are aligned), never dereferenced.
    static var invalidPath: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 2)! }
    static var tooManyParameters: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 3)! }
    static var malformedContentLength: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 5)! }
    static var obsoleteFolding: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 6)! }

    /// Whether `context` is one of the marks or a ``screenedLength(_:)`` tag: something the URI
    /// screen left before the request's first access-handler call, never a request's state.
    static func isMark(_ context: UnsafeMutableRawPointer) -> Bool {
        context == invalidPath || context == tooManyParameters || context == malformedContentLength || context == obsoleteFolding
            || isLengthTag(context)
    }

    /// A target that passed is tagged with its length up to its first NUL (`length << 3 | 4`: low
    /// bits no object address or other mark has), for ``targetHasNul(url:version:screenedLength:)``.
    static func lengthTag(_ length: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: length << 3 | 4)!
    }

    /// Whether `context` is a length tag.
    static func isLengthTag(_ context: UnsafeMutableRawPointer) -> Bool {
        UInt(bitPattern: context) & 7 == 4
    }

    /// The length a tag carries.
    static func screenedLength(_ tag: UnsafeMutableRawPointer) -> Int {
        Int(UInt(bitPattern: tag) >> 3)
    }

    /// Whether the raw target held a NUL: libmicrohttpd 0.9.75 parses the request line in place,
    /// ending the target with a NUL written over the space before the version, so the target spans
    /// `url ..< version - 1` (the path's decoding and the query's split only shorten the string
    /// inside it). A target longer than what the screen saw up to its first NUL held one, which
    /// would silently cut the path.
    static func targetHasNul(url: UnsafePointer<CChar>, version: UnsafePointer<CChar>, screenedLength: Int) -> Bool {
        let span = version - url - 1
        // A version that is not right after the target (none given) says nothing.
        guard span > 0, span <= 1 << 20 else { return false }
        return span > screenedLength
    }

    /// The answer for a mark.
    static func refusal(for mark: UnsafeMutableRawPointer, maxQueryParameters: Int) -> Response {
        if mark == invalidPath {
            return ErrorResponse.make(status: 400, code: "invalid_path", message: "The request path contains an encoded NUL (%00).")
        }
        if mark == malformedContentLength {
            return ErrorResponse.make(status: 400, code: "malformed_content_length", message: "Content-Length must be a decimal number of bytes.")
        }
        if mark == obsoleteFolding {
            return ErrorResponse.make(status: 400, code: "obsolete_line_folding", message: "A header field continues over several lines (obsolete line folding), which this server does not accept.")
        }
        return ErrorResponse.make(status: 414, code: "too_many_query_parameters", message: "The request has more than the \(maxQueryParameters) query parameters this server accepts.")
    }

    /// Screens the raw target `uri`; returns a mark, or a length tag for a target that passes.
    static func screen(_ uri: UnsafePointer<CChar>, maxQueryParameters: Int) -> UnsafeMutableRawPointer? {
        let bytes = UnsafeRawPointer(uri).assumingMemoryBound(to: UInt8.self)
        var index = 0
        while true {
            let byte = bytes[index]
            if byte == 0 { return screenHead(uri, targetLength: index) }
            if byte == .questionMark { break }
            if byte == .percent && bytes[index + 1] == .zero && bytes[index + 2] == .zero { return invalidPath }
            index += 1
        }
        let query = index + 1
        var parameters = 1
        index = query
        while bytes[index] != 0 {
            if bytes[index] == .ampersand {
                parameters += 1
                if parameters > maxQueryParameters {
                    // libmicrohttpd's buffer, writable: cutting the query here spares it the parse
                    // that would exhaust its memory.
                    UnsafeMutablePointer(mutating: bytes)[query] = 0
                    return tooManyParameters
                }
            }
            index += 1
        }
        return screenHead(uri, targetLength: index)
    }

    /// The head screen's mark for what follows the target, else the target's length tag.
    private static func screenHead(_ uri: UnsafePointer<CChar>, targetLength: Int) -> UnsafeMutableRawPointer {
        // libmicrohttpd's buffer, writable (see HeadScreen).
        let target = UnsafeMutableRawPointer(mutating: uri).assumingMemoryBound(to: UInt8.self)
        switch HeadScreen.screen(target, targetLength: targetLength) {
        case .malformedContentLength: return malformedContentLength
        case .obsoleteFolding: return obsoleteFolding
        case nil: return lengthTag(targetLength)
        }
    }
}

/// libmicrohttpd's URI-log callback: what it returns becomes the request's `*con_cls`.
func berthScreenURI(_ context: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?, _ connection: OpaquePointer?) -> UnsafeMutableRawPointer? {
    guard let context, let uri else { return nil }
    let limit = Unmanaged<ServerContext>.fromOpaque(context)._withUnsafeGuaranteedRef { $0.maxQueryParameters }
    return URIScreen.screen(uri, maxQueryParameters: limit)
}
