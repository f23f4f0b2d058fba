/// The checks RFC 9112 asks of a request head before a server trusts its framing, made on the raw
/// bytes of the head so that nothing libmicrohttpd would answer badly (two response heads for a
/// malformed `Content-Length`, no answer at all for a few hundred query parameters) ever reaches it.
///
/// Pure: it reads the head it is given and allocates nothing but the refusal.
struct RequestFraming {
    /// The most query parameters a request may carry.
    var maxQueryParameters: Int
    /// The most header fields a request may carry.
    var maxHeaderFields: Int

    /// Why a head was refused: the status and error code to answer with.
    struct Refusal: Error, Equatable {
        let status: Int
        let code: String
        let message: String
    }

    /// Checks the complete head `head` (request line through the empty line).
    /// - Returns: the refusal, or nil when the head is well framed.
    func check(_ head: UnsafeRawBufferPointer) -> Refusal? {
        var lines = LineReader(head)
        var requestLine = lines.next()
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        while let line = requestLine, line.isEmpty { requestLine = lines.next() }
        guard let requestLine else { return Refusal(status: 400, code: "malformed_request", message: "The request has no request line.") }
        var http11 = false
        if let refusal = checkRequestLine(requestLine, isHTTP11: &http11) { return refusal }

        var fields = 0, hosts = 0
        var contentLength: UInt64?
        var transferCodings: [Slice<UnsafeRawBufferPointer>] = []
        while let line = lines.next(), !line.isEmpty {
            fields += 1
            guard fields <= maxHeaderFields else {
                return Refusal(status: 431, code: "too_many_header_fields", message: "The request has more than \(maxHeaderFields) header fields.")
            }
            if line.first == .space || line.first == .tab {
                return Refusal(status: 400, code: "obsolete_line_folding", message: "A header field continues over several lines (obsolete line folding), which this server does not accept.")
            }
            guard let colon = line.firstIndex(of: .colon), colon > line.startIndex else {
                return Refusal(status: 400, code: "invalid_header_field", message: "A header line has no field name followed by ':'.")
            }
            let name = line[line.startIndex ..< colon]
            guard name.allSatisfy(Self.isTokenByte) else {
                return Refusal(status: 400, code: "invalid_header_field", message: "A header field name contains whitespace or a character a field name may not hold (whitespace before ':' is not allowed).")
            }
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsIgnoringCase(name, "content-length") {
                guard let length = Self.decimal(value) else {
                    return Refusal(status: 400, code: "malformed_content_length", message: "Content-Length must be a decimal number of bytes.")
                }
                if let contentLength, contentLength != length {
                    return Refusal(status: 400, code: "conflicting_content_length", message: "The request carries two different Content-Length values.")
                }
                contentLength = length
            } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                transferCodings.append(value)
            } else if Self.equalsIgnoringCase(name, "host") {
                hosts += 1
            }
        }
        if contentLength != nil && !transferCodings.isEmpty {
            return Refusal(status: 400, code: "conflicting_framing", message: "The request carries both Content-Length and Transfer-Encoding; send one of them.")
        }
        if !transferCodings.isEmpty, let refusal = checkTransferCodings(transferCodings) { return refusal }
        if http11 && hosts == 0 {
            return Refusal(status: 400, code: "missing_host", message: "An HTTP/1.1 request must carry a Host field.")
        }
        if hosts > 1 {
            return Refusal(status: 400, code: "duplicate_host", message: "The request carries more than one Host field.")
        }
        return nil
    }

    private func checkRequestLine(_ line: Slice<UnsafeRawBufferPointer>, isHTTP11: inout Bool) -> Refusal? {
        guard let firstSpace = line.firstIndex(of: .space), let lastSpace = line.lastIndex(of: .space), firstSpace < lastSpace else {
            return Refusal(status: 400, code: "malformed_request", message: "The request line must be 'METHOD target HTTP/1.1'.")
        }
        let target = line[(firstSpace + 1) ..< lastSpace]
        let version = line[(lastSpace + 1)...]
        isHTTP11 = version.elementsEqual("HTTP/1.1".utf8)
        if target.contains(0) {
            return Refusal(status: 400, code: "invalid_path", message: "The request target contains a NUL byte.")
        }
        let pathEnd = target.firstIndex(of: .questionMark) ?? target.endIndex
        var index = target.startIndex
        while index + 2 < pathEnd {
            if target[index] == .percent && target[index + 1] == .zero && target[index + 2] == .zero {
                return Refusal(status: 400, code: "invalid_path", message: "The request path contains an encoded NUL (%00).")
            }
            index += 1
        }
        if pathEnd < target.endIndex {
            let parameters = 1 + target[(pathEnd + 1)...].count(where: { $0 == .ampersand })
            if parameters > maxQueryParameters {
                return Refusal(status: 414, code: "too_many_query_parameters", message: "The request has \(parameters) query parameters, more than the \(maxQueryParameters) this server accepts.")
            }
        }
        return nil
    }

    /// Only `chunked`, once and last, is a coding this server can read (RFC 9112 §6.1: an unknown
    /// coding is answered 501).
    private func checkTransferCodings(_ values: [Slice<UnsafeRawBufferPointer>]) -> Refusal? {
        var codings: [Slice<UnsafeRawBufferPointer>] = []
        for value in values {
            for coding in value.split(separator: .comma, omittingEmptySubsequences: false) {
                codings.append(Self.trimmed(coding))
            }
        }
        guard codings.count == 1, Self.equalsIgnoringCase(codings[0], "chunked") else {
            return Refusal(status: 501, code: "unsupported_transfer_coding", message: "Transfer-Encoding may only be 'chunked' here; other codings are not implemented.")
        }
        return nil
    }

    /// tchar of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    static func trimmed<Bytes: Collection>(_ bytes: Bytes) -> Bytes.SubSequence where Bytes.Element == UInt8, Bytes.SubSequence: BidirectionalCollection {
        var slice = bytes[...]
        while let first = slice.first, first == .space || first == .tab { slice = slice.dropFirst() }
        while let last = slice.last, last == .space || last == .tab { slice = slice.dropLast() }
        return slice
    }

    static func decimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= .zero, byte <= .nine else { return nil }
            value = value * 10 + UInt64(byte - .zero)
        }
        return value
    }

    static func equalsIgnoringCase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
        }
    }
}

/// Lines of a head, split at LF with a CR before it dropped.
struct LineReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() -> Slice<UnsafeRawBufferPointer>? {
        guard position < bytes.count else { return nil }
        let start = position
        var end = bytes[start...].firstIndex(of: .newline) ?? bytes.count
        position = end + 1
        if end > start && bytes[end - 1] == .carriageReturn { end -= 1 }
        return bytes[start ..< end]
    }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let percent = UInt8(ascii: "%")
    static let questionMark = UInt8(ascii: "?")
    static let ampersand = UInt8(ascii: "&")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
}
