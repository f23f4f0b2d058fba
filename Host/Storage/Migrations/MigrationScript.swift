/// A migration script read the way the database reads it, to find its statements' leading
/// keywords: quoted strings and identifiers, dollar-quoted bodies, `--` and nested `/* */`
/// comments are skipped, and a `CREATE …` statement's `BEGIN … END` block (a SQLite trigger, a
/// PostgreSQL `BEGIN ATOMIC` body) stays one statement.
///
/// The host runs every migration inside a transaction of its own, with its ledger row; a
/// statement that ends or splits that transaction (`COMMIT`, `PREPARE TRANSACTION`, …) would let
/// part of a failed migration stay, or leave a prepared transaction holding locks with no owner.
/// Inside functions and `DO` blocks the database itself refuses them within a transaction.
///
/// On PostgreSQL each statement found here then runs on its own through the extended protocol,
/// which takes exactly one statement: where this reading and the server's differ, the piece
/// fails to parse instead of running a statement no check saw.
public struct MigrationScript: Sendable {
    /// One statement: its text, and its first two words, uppercased (for `PREPARE TRANSACTION`).
    public struct Statement: Sendable {
        /// The statement, without its `;`.
        public let text: String
        let first: String
        let second: String?
    }

    /// The statements, in order; empty ones (only comments or `;`) left out.
    public let statements: [Statement]

    /// Reads `script`.
    public init(_ script: String) {
        statements = Self.scan(Array(script.utf8))
    }

    var leadingWords: [(first: String, second: String?)] { statements.map { ($0.first, $0.second) } }

    /// Statements that control transactions, by leading word.
    static let transactionControl: Set<String> = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"]


    /// The first statement that would end, split or start a transaction, as written (e.g. `COMMIT`,
    /// `PREPARE TRANSACTION`); nil when there is none.
    public var transactionControlStatement: String? {
        for (first, second) in leadingWords {
            if Self.transactionControl.contains(first) { return first }
            if first == "PREPARE", second == "TRANSACTION" { return "PREPARE TRANSACTION" }
        }
        return nil
    }

    private static func scan(_ bytes: [UInt8]) -> [Statement] {
        var statements: [Statement] = []
        var words: [String] = []
        var depth = 0
        var index = 0
        var start = 0
        func endStatement(at end: Int) {
            if let first = words.first, !first.isEmpty || words.contains(where: { !$0.isEmpty }) {
                statements.append(Statement(text: String(decoding: bytes[start ..< end], as: UTF8.self), first: first, second: words.count > 1 ? words[1] : nil))
            }
            words = []
            depth = 0
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                let escapes = byte == UInt8(ascii: "'") && index > 0 && (bytes[index - 1] | 0x20) == UInt8(ascii: "e")
                index = skipQuoted(bytes, from: index, quote: byte, backslashEscapes: escapes)
                words.append("")
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index = skipBlockComment(bytes, from: index)
            case UInt8(ascii: "$"):
                index = skipDollarQuoted(bytes, from: index)
                words.append("")
            case UInt8(ascii: ";"):
                index += 1
                if depth == 0 {
                    endStatement(at: index - 1)
                    start = index
                }
            case _ where isWordByte(byte):
                let start = index
                while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: "$") { index += 1 }
                let word = String(decoding: bytes[start ..< index], as: UTF8.self).uppercased()
                words.append(word)
                // A block body only in what can have one: a trigger, a function or a procedure.
                if words.first == "CREATE", words.contains(where: { $0 == "TRIGGER" || $0 == "FUNCTION" || $0 == "PROCEDURE" }) {
                    if word == "BEGIN" || word == "CASE" { depth += 1 }
                    if word == "END", depth > 0 { depth -= 1 }
                }
            default:
                if !(byte == 32 || (9 ... 13).contains(byte)) { words.append("") }
                index += 1
            }
        }
        endStatement(at: bytes.count)
        return statements
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func skipQuoted(_ bytes: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = start + 1
        while index < bytes.count {
            if backslashEscapes, bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if bytes[index] == quote {
                if index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return index
    }

    private static func skipBlockComment(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start + 2
        var depth = 1
        while index < bytes.count, depth > 0 {
            if bytes[index] == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                depth -= 1
                index += 2
            } else {
                index += 1
            }
        }
        return index
    }

    /// `$tag$ … $tag$`; a `$` that opens no tag (`$1`) is passed over.
    private static func skipDollarQuoted(_ bytes: [UInt8], from start: Int) -> Int {
        var end = start + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "$") {
            guard isWordByte(bytes[end]), !(end == start + 1 && (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(bytes[end])) else { return start + 1 }
            end += 1
        }
        guard end < bytes.count else { return start + 1 }
        let tag = Array(bytes[start ... end])
        var index = end + 1
        while index + tag.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "$"), Array(bytes[index ..< index + tag.count]) == tag { return index + tag.count }
            index += 1
        }
        return bytes.count
    }
}
