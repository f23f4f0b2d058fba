import PluginAPI
import Testing

/// A body decodes into a type, or answers 400 naming the failing field by its JSON pointer.
struct JSONBodyTests {
    struct Order: Codable, Equatable {
        struct Line: Codable, Equatable {
            var sku: String
            var quantity: Int
        }
        var customer: String
        var lines: [Line]
    }

    func failure(_ body: String) -> HTTPError? {
        #expect(throws: HTTPError.self) { try Request(method: .post, path: "/", body: Array(body.utf8)).decode(Order.self) }
    }

    @Test func aValidBodyDecodes() throws {
        let order = try Request(method: .post, path: "/", body: Array(#"{"customer":"ada","lines":[{"sku":"a","quantity":2}]}"#.utf8)).decode(Order.self)
        #expect(order == Order(customer: "ada", lines: [.init(sku: "a", quantity: 2)]))
    }

    @Test func aWrongTypeNamesThePointerAndTheExpectedType() {
        let error = failure(#"{"customer":"ada","lines":[{"sku":"a","quantity":"two"}]}"#)
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_body")
        #expect(error?.message == "the body at /lines/0/quantity expected integer")
    }

    @Test func aMissingKeyNamesItsPointer() {
        #expect(failure(#"{"lines":[]}"#)?.message == "the body at /customer is required")
    }

    @Test func nullWhereAValueIsNeededSaysSo() {
        #expect(failure(#"{"customer":null,"lines":[]}"#)?.message == "the body at /customer expected string, found null")
    }

    @Test func malformedOrEmptyBodiesAreRefused() {
        #expect(failure("{not json")?.message == "the body is not valid JSON")
        #expect(failure("")?.message.hasPrefix("the body is empty") == true)
    }

    @Test func pointerSegmentsEscapeSlashAndTilde() {
        struct Odd: Decodable {
            let value: Int
            enum CodingKeys: String, CodingKey { case value = "a/b~c" }
        }
        let error = #expect(throws: HTTPError.self) { try Request(method: .post, path: "/", body: Array(#"{"a/b~c":"x"}"#.utf8)).decode(Odd.self) }
        #expect(error?.message == "the body at /a~1b~0c expected integer")
    }

    @Test func anEncodableBecomesAJSONResponseWithSortedKeys() throws {
        let response = try Response.json(Order(customer: "ada", lines: []), status: 201)
        #expect(response.status == 201)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.bodyText == #"{"customer":"ada","lines":[]}"#)
    }
}
