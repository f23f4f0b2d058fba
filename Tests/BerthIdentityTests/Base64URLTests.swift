import Testing
@testable import BerthIdentity

struct Base64URLTests {
    @Test func encodingAndDecodingRoundTrip() {
        for length in 0 ..< 40 {
            let bytes = (0 ..< length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64URL.decode(Array(Base64URL.encode(bytes).utf8)) == bytes)
            #expect(Base64URL.encode(bytes) == b64(bytes))
        }
    }

    @Test func onlyTheCanonicalUnpaddedFormDecodes() {
        #expect(Base64URL.decode(Array("QQ".utf8)) == [0x41])
        #expect(Base64URL.decode(Array("QR".utf8)) == nil) // stray bits after the last byte
        #expect(Base64URL.decode(Array("QQ==".utf8)) == nil)
        #expect(Base64URL.decode(Array("Q".utf8)) == nil)
        #expect(Base64URL.decode(Array("a+b/".utf8)) == nil)
    }
}
