#if canImport(Glibc)
import Glibc
#endif

/// The look at a later request's raw header lines that libmicrohttpd 0.9.75 would answer badly or
/// hide, taken from the URI screen (before libmicrohttpd parses the fields).
///
/// A malformed `Content-Length` makes libmicrohttpd queue its own 400 before the access handler
/// can see the request, and then send it twice (two response heads: a proxy reading them would
/// take the second for the answer to its next request). Obsolete line folding is joined silently,
/// so a folded `Transfer-Encoding` could be read one way by a proxy and another way here. Neither
/// shows in the parsed fields, so they are found in the raw bytes: libmicrohttpd parses the request
/// line in place (a NUL over the space before the version, NULs over its CR LF) and the header
/// lines already received follow it in the same buffer, which it zeroes between requests. A
/// malformed `Content-Length` is renamed in place (its first letter becomes `X`), so libmicrohttpd
/// takes the request as bodiless and leaves the answer to the access handler, which refuses it
/// from the mark.
///
/// When the head has not arrived whole by the time the request line is parsed (it came in several
/// segments), the screen cannot see the rest: the parsed-field checks still apply, and
/// libmicrohttpd answers a malformed `Content-Length` itself.
enum HeadScreen {
    /// The furthest the screen reads past the target: well inside the connection's memory pool
    /// (``ServerConfiguration/connectionMemoryLimit``, 32 KiB by default), at whose start the
    /// request line sits.
    static let scanLimit = 8 * 1024

    /// What the header lines after the request line held.
    enum Finding {
        case malformedContentLength
        case obsoleteFolding
    }

    /// Screens the header lines following the target `target` of length `targetLength` (up to its
    /// first NUL), as they sit in libmicrohttpd's buffer; nil when they pass or are not all there.
    static func screen(_ target: UnsafeMutablePointer<UInt8>, targetLength: Int) -> Finding? {
        // The version follows the NUL that ended the target: "HTTP/1.x", then the line's NULs.
        let version = target + targetLength + 1
        guard version[0] == UInt8(ascii: "H"), version[1] == UInt8(ascii: "T"), version[2] == UInt8(ascii: "T"),
              version[3] == UInt8(ascii: "P"), version[4] == UInt8(ascii: "/"), version[8] == 0 else { return nil }
        var line = version + 9
        if line[0] == 0 { line += 1 }
        let end = target + scanLimit
        while line < end {
            let left = end - line
            guard let found = memchr(line, Int32(UInt8.newline), left) else { return nil }
            let newline = found.assumingMemoryBound(to: UInt8.self)
            var length = newline - line
            // A NUL before the line's end: bytes not received (zeroes) or not a header line.
            if length > 0, memchr(line, 0, length) != nil { return nil }
            if length > 0 && line[length - 1] == .carriageReturn { length -= 1 }
            if length == 0 { return nil } // the empty line: the head ends, everything passed
            if line[0] == .space || line[0] == .tab { return .obsoleteFolding }
            if length >= 15, line[0] | 0x20 == UInt8(ascii: "c"), line[14] == .colon,
               RequestFraming.equalsIgnoringCase(UnsafeBufferPointer(start: line, count: 14), "content-length"),
               RequestFraming.decimal(RequestFraming.trimmed(UnsafeBufferPointer(start: line + 15, count: length - 15))) == nil {
                line[0] = UInt8(ascii: "X")
                return .malformedContentLength
            }
            line = newline + 1
        }
        return nil
    }
}
