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
/// libmicrohttpd never tries to store it. A walk over the target's bytes: no allocation, no call.
enum URIScreen {
    /// Marks in `*con_cls`: addresses no object can have (objects are aligned), never dereferenced.
    static var invalidPath: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 2)! }
    static var tooManyParameters: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 3)! }

    /// Whether `context` is one of the marks.
    static func isMark(_ context: UnsafeMutableRawPointer) -> Bool {
        context == invalidPath || context == tooManyParameters
    }

    /// The answer for a mark.
    static func refusal(for mark: UnsafeMutableRawPointer, maxQueryParameters: Int) -> Response {
        if mark == invalidPath {
            return ErrorResponse.make(status: 400, code: "invalid_path", message: "The request path contains an encoded NUL (%00).")
        }
        return ErrorResponse.make(status: 414, code: "too_many_query_parameters", message: "The request has more than the \(maxQueryParameters) query parameters this server accepts.")
    }

    /// Screens the raw target `uri`; returns a mark, or nil for a target that passes.
    static func screen(_ uri: UnsafePointer<CChar>, maxQueryParameters: Int) -> UnsafeMutableRawPointer? {
        let bytes = UnsafeRawPointer(uri).assumingMemoryBound(to: UInt8.self)
        var index = 0
        while true {
            let byte = bytes[index]
            if byte == 0 { return nil }
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
        return nil
    }
}

/// libmicrohttpd's URI-log callback: what it returns becomes the request's `*con_cls`.
func berthScreenURI(_ context: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?, _ connection: OpaquePointer?) -> UnsafeMutableRawPointer? {
    guard let context, let uri else { return nil }
    let server = Unmanaged<ServerContext>.fromOpaque(context).takeUnretainedValue()
    return URIScreen.screen(uri, maxQueryParameters: server.maxQueryParameters)
}
