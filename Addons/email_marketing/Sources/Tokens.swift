import ProviderKit

/// Link tokens: 32 random bytes as hex. A confirmation token is stored only as its SHA-256; an
/// unsubscribe token is stored as is, since every campaign mail must carry it (it can do nothing
/// but unsubscribe).
enum Tokens {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Digest.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func hash(_ token: String) -> String { Digest.hex(Digest.sha256(Array(token.utf8))) }

    static func now() -> Int64 { Int64(WallClock.unixSeconds()) }

    /// `address` if it looks like one mailbox (one `@`, no spaces or angle brackets, ≤ 254 bytes).
    static func validEmail(_ address: String) -> String? {
        let trimmed = address.trimmedSpaces.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !trimmed.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" || $0 == "," }) else { return nil }
        return trimmed
    }
}

extension String {
    /// The text without leading and trailing spaces.
    var trimmedSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
