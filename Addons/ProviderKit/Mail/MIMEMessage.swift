import PluginAPI

/// Renders an ``EmailMessage`` as RFC 5322/MIME text: text and HTML as `multipart/alternative`,
/// attachments in `multipart/mixed` as base64, non-ASCII headers as RFC 2047 encoded words,
/// CRLF line ends. Bcc recipients appear only in the envelope, never in the headers.
public enum MIMEMessage {
    /// The message's bytes, ready for DATA (before dot-stuffing).
    public static func render(_ message: EmailMessage, from: EmailAddress, messageID: String, date: String, boundarySeed: String) -> [UInt8] {
        var lines = [String]()
        lines.append("From: \(format(from))")
        if !message.to.isEmpty { lines.append("To: \(message.to.map(format).joined(separator: ", "))") }
        if !message.cc.isEmpty { lines.append("Cc: \(message.cc.map(format).joined(separator: ", "))") }
        if let replyTo = message.replyTo { lines.append("Reply-To: \(format(replyTo))") }
        lines.append("Subject: \(encodeHeader(message.subject))")
        lines.append("Date: \(date)")
        lines.append("Message-ID: <\(messageID)>")
        lines.append("MIME-Version: 1.0")
        var body = [String]()
        let alternative = "alt-\(boundarySeed)", mixed = "mixed-\(boundarySeed)"
        var textParts = [(String, String)]()
        if let text = message.text { textParts.append(("text/plain", text)) }
        if let html = message.html { textParts.append(("text/html", html)) }
        if textParts.isEmpty { textParts.append(("text/plain", "")) }

        func appendText(_ into: inout [String], _ parts: [(String, String)]) {
            if parts.count == 1 {
                into += textPart(parts[0].0, parts[0].1)
                return
            }
            into.append("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
            into.append("")
            for (type, content) in parts {
                into.append("--\(alternative)")
                into += textPart(type, content)
            }
            into.append("--\(alternative)--")
        }

        if message.attachments.isEmpty {
            appendText(&body, textParts)
        } else {
            body.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
            body.append("")
            body.append("--\(mixed)")
            appendText(&body, textParts)
            for attachment in message.attachments {
                body.append("--\(mixed)")
                let name = quoteParameter(attachment.filename)
                body.append("Content-Type: \(attachment.contentType); name=\(name)")
                body.append("Content-Disposition: attachment; filename=\(name)")
                body.append("Content-Transfer-Encoding: base64")
                body.append("")
                body.append(Digest.base64(attachment.content, lineLength: 76))
            }
            body.append("--\(mixed)--")
        }
        return Array((lines + body).joined(separator: "\r\n").utf8) + [13, 10]
    }

    /// A text part: 7bit when it is short-lined ASCII, else base64 of its UTF-8.
    static func textPart(_ type: String, _ content: String) -> [String] {
        let normalized = content.replacingOccurrences("\r\n", "\n").replacingOccurrences("\n", "\r\n")
        let plain = normalized.utf8.allSatisfy { $0 < 128 && $0 != 0 } && normalized.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 900 }
        if plain {
            return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: 7bit", "", normalized]
        }
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "", Digest.base64(Array(normalized.utf8), lineLength: 76)]
    }

    /// `Name <address>`, the name quoted or encoded as needed.
    public static func format(_ address: EmailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return "<\(address.address)>" }
        return "\(encodeHeader(name, phrase: true)) <\(address.address)>"
    }

    /// ASCII text as is (quoted when a phrase needs it), anything else as `=?UTF-8?B?…?=` words.
    public static func encodeHeader(_ text: String, phrase: Bool = false) -> String {
        let safe = text.utf8.allSatisfy { $0 >= 32 && $0 < 127 }
        if safe {
            guard phrase, text.contains(where: { "()<>[]:;@\\,.\"".contains($0) }) else { return text }
            return "\"" + text.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"") + "\""
        }
        // Encoded words of at most 75 characters, split between whole characters.
        var words = [String]()
        var chunk = [UInt8]()
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Digest.base64(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Digest.base64(chunk))?=") }
        return words.joined(separator: "\r\n ")
    }

    static func quoteParameter(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) { return "\"\(value)\"" }
        return "\"\(encodeHeader(value))\""
    }

    /// Dot-stuffing (RFC 5321 §4.5.2): a line that starts with `.` gets another; the result ends
    /// with the CRLF.CRLF that closes DATA.
    public static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 64)
        var atLineStart = true
        for byte in bytes {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == 10
        }
        if !(out.count >= 2 && out[out.count - 2] == 13 && out[out.count - 1] == 10) { out += [13, 10] }
        return out + Array(".\r\n".utf8)
    }
}
