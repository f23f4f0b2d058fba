import Foundation
import PluginAPI
import Testing

/// `Response.error` writes the host's one error shape, escaped so that any message parses back.
struct ErrorResponseTests {
    @Test func anErrorAnswersItsStatusWithCodeAndMessageAsJSON() throws {
        let response = Response.error(HTTPError(status: 429, code: "too_many_sends", message: "wait"), headers: ["Retry-After": "300"])
        #expect(response.status == 429)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["Retry-After"] == "300")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":{"code":"too_many_sends","message":"wait"}}"#)
    }

    @Test func quotesBackslashesAndControlCharactersInTheMessageSurviveAParse() throws {
        let message = "a \"quoted\" \\ path\nwith\ttabs, \u{1} and é"
        let response = Response.error(HTTPError(status: 400, code: "bad_request", message: message))
        let parsed = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
        #expect(parsed?["error"]?["message"] == message)
        #expect(parsed?["error"]?["code"] == "bad_request")
    }
}
