import BerthTestSupport
import Foundation
import Testing

/// What a client gets when an addon's handler throws, for synchronous handlers (called with no task)
/// as for async ones: the addon's ``HTTPError`` as it shaped it, anything else a 500 naming the
/// addon without leaking the error, and the routes beside it keep answering.
struct HandlerErrorsTests {
    @Test func aSynchronousHandlersHTTPErrorReachesTheClientWithItsStatusAndCode() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.fixture(id: "thrower", version: "1.0.0")
        _ = try host.uploadAndInstall(archive, id: "thrower")
        let reply = try host.berth.anonymous.send("GET", "/api/v1/thrower/teapot")
        #expect(reply.status == 418, "\(reply.text)")
        let error = reply.json["error"] as? [String: Any]
        #expect(error?["code"] as? String == "teapot")
        #expect(error?["message"] as? String == "short and stout")
    }

    @Test func anUnexpectedErrorFromASynchronousHandlerIsA500NamingTheAddonAndTheNextRequestsAreServed() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.fixture(id: "thrower", version: "1.0.0")
        _ = try host.uploadAndInstall(archive, id: "thrower")
        let client = host.berth.anonymous
        let reply = try client.send("GET", "/api/v1/thrower/broken")
        #expect(reply.status == 500, "\(reply.text)")
        let error = reply.json["error"] as? [String: Any]
        #expect(error?["code"] as? String == "addon_error")
        #expect((error?["message"] as? String)?.contains("thrower") == true)
        #expect(!reply.text.contains("CocoaError"))
        #expect(try client.send("GET", "/api/v1/thrower/version").text == "1.0.0")
        #expect(try client.send("GET", "/health").status == 200)
    }
}
