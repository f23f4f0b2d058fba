import PluginAPI

/// What the host needs to know about an addon's statement text before sending it: whether it is
/// transaction control, and (for PostgreSQL) whether it holds more than one statement.
///
/// The scan knows both dialects' quoting: `'…'` strings (`''` inside), `E'…'` strings with
/// backslash escapes, `"…"` identifiers, `$tag$…$tag$` bodies, `--` and nested `/* */` comments.
/// SQLite's own parser decides its multi-statement case (see `SQLiteStatement`); PostgreSQL refuses
/// several commands in one prepared statement anyway, so a text this scan misjudges is still
/// refused there, only with the server's message.
enum SQLStatementText {
    /// The keywords that open, end or mark a transaction.
    private static let transactionKeywords: Set<String> = ["BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"]

    /// Refuses transaction control: `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`,
    /// `ABORT`, `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`.
    static func refuseTransactionControl(_ sql: String) throws {
        let words = leadingWords(sql, count: 2)
        guard let first = words.first else { return }
        let second = words.count > 1 ? words[1] : ""
        if transactionKeywords.contains(first) || (first == "START" && second == "TRANSACTION") || (first == "PREPARE" && second == "TRANSACTION") {
            throw DatabaseError.transactionControl(sql)
        }
    }

    /// The first `count` words of `sql` outside comments, upper-cased.
    static func leadingWords(_ sql: String, count: Int) -> [String] {
        withScanner(sql) { scanner in
            var words: [String] = []
            while words.count < count, let token = scanner.next() {
                guard case .word(let word) = token else { break }
                words.append(word.uppercased())
            }
            return words
        }
    }

    /// Whether `sql` holds a second statement after a `;` (comments and blanks after the last `;`
    /// do not count).
    static func hasSeveralStatements(_ sql: String) -> Bool {
        withScanner(sql) { scanner in
            var sawSeparator = false
            while let token = scanner.next() {
                if case .semicolon = token {
                    sawSeparator = true
                } else if sawSeparator {
                    return true
                }
            }
            return false
        }
    }

    /// Runs `body` with a scanner over `sql`'s UTF-8 bytes, in place (the request path calls this
    /// for every statement); the scanner must not escape.
    private static func withScanner<R>(_ sql: String, _ body: (inout Scanner) -> R) -> R {
        var text = sql
        return text.withUTF8 { bytes in
            var scanner = Scanner(bytes)
            return body(&scanner)
        }
    }

    enum Token {
        case word(String)
        case semicolon
        case other
    }

    /// Tokens of SQL text, skipping blanks and comments; quoted parts are single `.other` tokens.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func next() -> Token? {
            skipBlanksAndComments()
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: ";"):
                index += 1
                return .semicolon
            case UInt8(ascii: "'"):
                skipQuoted(UInt8(ascii: "'"), backslashEscapes: false)
                return .other
            case UInt8(ascii: "\""):
                skipQuoted(UInt8(ascii: "\""), backslashEscapes: false)
                return .other
            case UInt8(ascii: "$"):
                skipDollarQuoted()
                return .other
            default:
                if isWordByte(byte) {
                    let start = index
                    while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                    // E'…' (and e'…') is a string with backslash escapes.
                    if index - start == 1, bytes[start] | 0x20 == UInt8(ascii: "e"), index < bytes.count, bytes[index] == UInt8(ascii: "'") {
                        skipQuoted(UInt8(ascii: "'"), backslashEscapes: true)
                        return .other
                    }
                    return .word(String(decoding: bytes[start ..< index], as: UTF8.self))
                }
                index += 1
                return .other
            }
        }

        private func isWordByte(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte >= 0x80
        }

        private mutating func skipBlanksAndComments() {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == 0x0C {
                    index += 1
                } else if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                    var depth = 0
                    while index < bytes.count {
                        if bytes[index] == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                            depth += 1
                            index += 2
                        } else if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                            depth -= 1
                            index += 2
                            if depth == 0 { break }
                        } else {
                            index += 1
                        }
                    }
                } else {
                    return
                }
            }
        }

        /// Skips from an opening quote to its closing one; a doubled quote stays inside.
        private mutating func skipQuoted(_ quote: UInt8, backslashEscapes: Bool) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if backslashEscapes, byte == UInt8(ascii: "\\") {
                    index += 2
                } else if byte == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        index += 2
                    } else {
                        index += 1
                        return
                    }
                } else {
                    index += 1
                }
            }
        }

        /// `$tag$ … $tag$`; `$` and digits (`$1`) is a parameter, one token.
        private mutating func skipDollarQuoted() {
            var end = index + 1
            if end < bytes.count, isDigit(bytes[end]) {
                index = end
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                return
            }
            while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else {
                index += 1
                return
            }
            let tag = Array(bytes[index ... end])
            index = end + 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "$"), index + tag.count <= bytes.count, bytes[index ..< index + tag.count].elementsEqual(tag) {
                    index += tag.count
                    return
                }
                index += 1
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}
