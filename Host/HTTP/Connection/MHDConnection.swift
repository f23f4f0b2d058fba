import CMicroHTTPD
import PluginAPI

/// The calls the server makes on one libmicrohttpd connection, valid only inside a callback for it
/// (or, for ``resume()``, while it is suspended).
struct MHDConnection {
    /// The connection handle.
    let pointer: OpaquePointer

    /// The connection's socket, or -1.
    var socket: Int32 {
        berth_mhd_connection_fd(pointer)
    }

    /// The client's numeric address; an IPv4 one fits a small string, so reading it allocates
    /// nothing.
    var clientAddress: String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = berth_mhd_client_address_text(pointer, buffer.baseAddress, buffer.count)
            guard length > 0 else { return "" }
            return buffer.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
        }
    }

    /// The request header fields, in order.
    func headers() -> HTTPHeaders {
        HTTPHeaders(values(of: .HEADER_KIND))
    }

    /// The query parameters, in order; libmicrohttpd has already percent-decoded them and turned
    /// `+` into spaces.
    func queryArguments() -> [(name: String, value: String)] {
        values(of: .GET_ARGUMENT_KIND)
    }

    /// The first value of header `name` (matched case-insensitively by libmicrohttpd). A static
    /// string's storage is NUL-terminated, so it passes as a C string without a copy.
    func header(_ name: StaticString) -> UnsafePointer<CChar>? {
        name.withUTF8Buffer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { MHD_lookup_connection_value(pointer, .HEADER_KIND, $0.baseAddress) }
        }
    }

    /// The declared `Content-Length`, if any and valid.
    var contentLength: Int? {
        guard let value = header("Content-Length") else { return nil }
        return Int(String(cString: value))
    }

    /// Stops polling the connection until ``resume()``; only valid inside the access handler.
    func suspend() {
        MHD_suspend_connection(pointer)
    }

    /// Queues `response` with `X-Request-ID: requestID`. `closing` adds `Connection: close`,
    /// ending the connection after it.
    ///
    /// The body is copied by libmicrohttpd (`.RESPMEM_MUST_COPY`), so no pointer outlives the
    /// `withUnsafeBytes` scope. A handler's own `X-Request-ID` field is dropped: the host's id is
    /// the one the logs carry.
    func queue(_ response: Response, closing: Bool, requestID: String) -> MHD_Result {
        let status = (100...999).contains(response.status) ? response.status : 500
        let handle = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let handle else { return .NO }
        defer { MHD_destroy_response(handle) }
        var hasConnectionField = false
        for field in response.headers.fields {
            // libmicrohttpd computes the framing itself and refuses conflicting framing fields.
            if field.name.equalsIgnoringASCIICase("Content-Length") || field.name.equalsIgnoringASCIICase("Transfer-Encoding")
                || field.name.equalsIgnoringASCIICase("X-Request-ID") {
                continue
            }
            if field.name.equalsIgnoringASCIICase("Connection") { hasConnectionField = true }
            // Explicit `withCString`: passing the strings directly converts each through a fresh
            // `utf8CString` array, two allocations per field, where this borrows their storage.
            _ = field.name.withCString { name in
                field.value.withCString { value in MHD_add_response_header(handle, name, value) }
            }
        }
        _ = requestID.withCString { MHD_add_response_header(handle, "X-Request-ID", $0) }
        if closing && !hasConnectionField {
            _ = MHD_add_response_header(handle, "Connection", "close")
        }
        return MHD_queue_response(pointer, UInt32(status), handle)
    }

    private func values(of kind: MHD_ValueKind) -> [(name: String, value: String)] {
        // Counted first (a walk of libmicrohttpd's list without a callback) so that the array is
        // allocated once at its final size rather than regrown at 1, 2, 4, 8… fields.
        let count = Int(MHD_get_connection_values_n(pointer, kind, nil, nil))
        guard count > 0 else { return [] }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(count)
        withUnsafeMutablePointer(to: &fields) { pointer in
            _ = MHD_get_connection_values_n(self.pointer, kind, appendValue, pointer)
        }
        return fields
    }
}

/// libmicrohttpd's value iterator: appends one name/value pair to the array `context` points to.
private func appendValue(
    _ context: UnsafeMutableRawPointer?,
    _ kind: MHD_ValueKind,
    _ key: UnsafePointer<CChar>?,
    _ keySize: Int,
    _ value: UnsafePointer<CChar>?,
    _ valueSize: Int
) -> MHD_Result {
    guard let context, let key else { return .YES }
    let fields = context.assumingMemoryBound(to: [(name: String, value: String)].self)
    let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
    let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) } ?? ""
    fields.pointee.append((name: name, value: text))
    return .YES
}

private func lowered(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

extension String {
    /// ASCII case-insensitive comparison without allocating lowercased copies.
    func equalsIgnoringASCIICase(_ other: StaticString) -> Bool {
        other.withUTF8Buffer { expected in
            guard utf8.count == expected.count else { return false }
            for (byte, wanted) in zip(utf8, expected) where lowered(byte) != lowered(wanted) {
                return false
            }
            return true
        }
    }
}
