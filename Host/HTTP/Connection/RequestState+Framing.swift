import CMicroHTTPD
import PluginAPI

/// The framing checks for a request with a body that reached libmicrohttpd without the gate's
/// look at its raw head: a later request on a kept-alive connection. Only requests with a body pay
/// for them (one walk of the parsed fields), and those already allocate their state.
extension RequestState {
    /// A refusal when the parsed fields frame the body ambiguously, else nil.
    static func framingRefusal(on connection: MHDConnection) -> Response? {
        var tally = FieldTally()
        withUnsafeMutablePointer(to: &tally) { pointer in
            _ = MHD_get_connection_values_n(connection.pointer, .HEADER_KIND, tallyField, pointer)
        }
        if tally.badName {
            return ErrorResponse.make(status: 400, code: "invalid_header_field", message: "A header field name contains whitespace (whitespace before ':' is not allowed).")
        }
        if tally.contentLengths > 0 && tally.transferEncodings > 0 {
            return ErrorResponse.make(status: 400, code: "conflicting_framing", message: "The request carries both Content-Length and Transfer-Encoding; send one of them.")
        }
        if tally.differingLengths {
            return ErrorResponse.make(status: 400, code: "conflicting_content_length", message: "The request carries two different Content-Length values.")
        }
        if tally.transferEncodings > 1 || tally.unknownCoding {
            return ErrorResponse.make(status: 501, code: "unsupported_transfer_coding", message: "Transfer-Encoding may only be 'chunked' here; other codings are not implemented.")
        }
        return nil
    }
}

/// What the walk over the fields found.
struct FieldTally {
    var contentLengths = 0
    var firstLength: UInt64?
    var differingLengths = false
    var transferEncodings = 0
    var unknownCoding = false
    var badName = false
}

/// libmicrohttpd's value iterator for ``RequestState/framingRefusal(on:)``.
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
    let name = UnsafeRawBufferPointer(start: key, count: keySize)
    let text = value.map { UnsafeRawBufferPointer(start: $0, count: valueSize) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    if name.contains(.space) || name.contains(.tab) { tally.pointee.badName = true }
    if RequestFraming.equalsIgnoringCase(name, "content-length") {
        // Parsed rather than copied, so the walk allocates nothing (libmicrohttpd already refused a
        // value that is not a number).
        let length = RequestFraming.decimal(RequestFraming.trimmed(text))
        if tally.pointee.contentLengths > 0 && length != tally.pointee.firstLength { tally.pointee.differingLengths = true }
        if tally.pointee.contentLengths == 0 { tally.pointee.firstLength = length }
        tally.pointee.contentLengths += 1
    } else if RequestFraming.equalsIgnoringCase(name, "transfer-encoding") {
        tally.pointee.transferEncodings += 1
        if !RequestFraming.equalsIgnoringCase(RequestFraming.trimmed(text), "chunked") { tally.pointee.unknownCoding = true }
    }
    return .YES
}
