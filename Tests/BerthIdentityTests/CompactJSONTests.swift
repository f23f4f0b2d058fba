import PluginAPI
import Testing
@testable import BerthIdentity

struct CompactJSONTests {
    static func parse(_ text: String) -> JSONValue? {
        CompactJSON.parse(Array(text.utf8))
    }

    @Test func tokenHeadersAndClaimsReadAsTheirValues() {
        let claims = #" {"sub":"ada","exp":1800000600,"nbf":-1.5e2,"aud":["a","b"],"admin":true,"x":null,"app_metadata":{"roles":["billing"]},"f":false} "#
        let expected: JSONValue = .object([
            "sub": .string("ada"), "exp": .number(1_800_000_600), "nbf": .number(-150), "aud": .array([.string("a"), .string("b")]),
            "admin": .bool(true), "x": .null, "app_metadata": .object(["roles": .array([.string("billing")])]), "f": .bool(false),
        ])
        #expect(Self.parse(claims) == expected)
        #expect(Self.parse("{}") == .object([:]))
        #expect(Self.parse("[ ]") == .array([]))
        #expect(Self.parse("0") == .number(0))
    }

    @Test func escapesAndUnicodeAreDecoded() {
        #expect(Self.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(Self.parse(#""caf\u00e9 \u20AC \ud83d\ude00""#) == .string("café € 😀"))
        #expect(Self.parse("\"café\"") == .string("café"))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1}x", "{\"a\":1}{}",
        "tru", "nul", "True", "01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "1e400", "-1e400",
        "\"unterminated", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"",
        "{\"sub\":\"ada\",\"sub\":\"grace\"}",
    ])
    func anythingButExactlyOneStrictValueIsRefused(_ text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(CompactJSON.parse([0x22, 0xC3, 0x28, 0x22]) == nil)
        #expect(CompactJSON.parse([0x22, 0xFF, 0x22]) == nil)
        #expect(CompactJSON.parse([0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]) == nil)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: CompactJSON.maxDepth) + String(repeating: "]", count: CompactJSON.maxDepth)
        #expect(Self.parse(deep) != nil)
        let deeper = String(repeating: "[", count: CompactJSON.maxDepth + 1) + String(repeating: "]", count: CompactJSON.maxDepth + 1)
        #expect(Self.parse(deeper) == nil)
        #expect(Self.parse(String(repeating: "[", count: 100_000)) == nil)
    }
}
