import PluginAPI
import Testing

/// Header lookup by name, which compares names case-insensitively as `lowercased()` does.
struct HTTPHeadersTests {
    @Test func lookupIgnoresCaseAndReturnsTheFirstMatch() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("X-Trace", "1"), ("x-trace", "2")])
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["X-TRACE"] == "1")
        #expect(headers["Content-Typ"] == nil)
        #expect(headers["Content-Type "] == nil)
        #expect(headers["X-Trac["] == nil)
    }

    @Test func settingReplacesEveryFieldOfThatNameWhateverItsCase() {
        var headers = HTTPHeaders([("X-Trace", "1"), ("Accept", "*/*"), ("x-trace", "2")])
        headers["X-TRACE"] = "3"
        #expect(headers.fields.map(\.name) == ["Accept", "X-TRACE"])
        #expect(headers["x-trace"] == "3")
        headers["accept"] = nil
        #expect(headers.fields.map(\.name) == ["X-TRACE"])
    }

    @Test func nonASCIINamesCompareAsLowercasedStrings() {
        // U+212A KELVIN SIGN lowercases to an ASCII k.
        let headers = HTTPHeaders([("X-\u{212A}ey", "kelvin"), ("Ärger", "umlaut")])
        #expect(headers["x-key"] == "kelvin")
        #expect(headers["X-\u{212A}EY"] == "kelvin")
        #expect(headers["ärger"] == "umlaut")
        var edited = headers
        edited["X-KEY"] = nil
        #expect(edited.fields.map(\.name) == ["Ärger"])
    }
}
