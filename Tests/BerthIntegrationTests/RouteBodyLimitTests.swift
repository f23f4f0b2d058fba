import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// A route's `bodyLimit` from the manifest through the real binary: a body up to the limit
/// reaches the handler, one byte more is `413 payload_too_large` with the JSON error body, and
/// the manifest's value replaces the limit the addon's code set.
struct RouteBodyLimitTests {
    /// The context fixture with 64 bytes on `POST /orders` and 100 on `POST /small` (whose code says 8).
    func archive(_ packages: PackageFactory) throws -> String {
        try packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [
                RoutePolicy(method: "POST", path: "/orders", bodyLimit: 64),
                RoutePolicy(method: "POST", path: "/small", bodyLimit: 100),
            ]
        }
    }

    /// A JSON order padded with spaces to exactly `bytes` bytes.
    func order(bytes: Int) -> [UInt8] {
        let json = #"{"customer":"ada","lines":[{"sku":"a","quantity":1}]}"#
        return Array((json + String(repeating: " ", count: max(0, bytes - json.utf8.count))).utf8)
    }

    @Test func aBodyUpToTheRoutesLimitIsServedAndOneByteMoreIs413WithAJSONError() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages), id: "ctx").status == 201)
        let client = host.berth.anonymous
        let json = ["Content-Type": "application/json"]

        let accepted = try client.send("POST", "/api/v1/ctx/orders", body: order(bytes: 64), headers: json)
        #expect(accepted.status == 201, "\(accepted.text)")
        #expect(accepted.json["customer"] as? String == "ada")
        let refused = try client.send("POST", "/api/v1/ctx/orders", body: order(bytes: 65), headers: json)
        #expect(refused.status == 413, "\(refused.status) \(refused.text)")
        #expect(refused.errorCode == "payload_too_large", "\(refused.text)")
        #expect(refused.errorMessage?.contains("64") == true, "\(refused.text)")
        #expect(refused.headers["content-type"]?.hasPrefix("application/json") == true, "\(refused.headers)")
        // The connection's next request is served as usual.
        #expect(try client.send("POST", "/api/v1/ctx/orders", body: order(bytes: 10), headers: json).status == 201)
    }

    @Test func theManifestsLimitReplacesTheOneTheAddonsCodeSet() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages), id: "ctx").status == 201)
        let client = host.berth.anonymous
        let fifty = String(repeating: "x", count: 50)
        let echoed = try client.send("POST", "/api/v1/ctx/small", body: Array(fifty.utf8))
        #expect(echoed.status == 200 && echoed.text == fifty, "the code's 8 bytes no longer apply: \(echoed.status) \(echoed.text)")
        let refused = try client.send("POST", "/api/v1/ctx/small", body: Array(String(repeating: "x", count: 101).utf8))
        #expect(refused.status == 413 && refused.errorCode == "payload_too_large", "\(refused.status) \(refused.text)")
    }
}
