import CMicroHTTPD
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The one response the connection gate writes itself, before closing: a complete HTTP/1.1 answer
/// in the host's JSON error shape (``ErrorResponse``), sent without blocking.
enum GateResponse {
    static func send(status: Int, code: String, message: String, retryAfter: Int?, on descriptor: Int32) {
        // What the client sent is read first, so the close that follows is a FIN rather than a
        // reset that could discard this answer before the client reads it.
        var scratch = [UInt8](repeating: 0, count: 16 << 10)
        for _ in 0 ..< 8 {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, berth_msg_dontwait) }
            if count <= 0 { break }
        }
        let body = ErrorResponse.make(status: status, code: code, message: message).body
        var head = "HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if let retryAfter { head += "Retry-After: \(retryAfter)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | berth_msg_dontwait) }
        shutdown(descriptor, Int32(SHUT_WR))
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }
}
