@testable import BerthCore
import BerthTraffic
import PluginAPI
import Testing

/// The two builders of a rate limit's key agree: the hash the shared file counts under, built
/// piece by piece on the request path, is the hash of the key the rate-limiting slot counts under,
/// so a route counts the same callers together wherever the slot points.
struct RateKeyTests {
    let enforcement = RouteEnforcement(
        addonID: "notes", method: .get, path: "/items", pattern: "/api/v1/notes/items", manifest: nil,
        policies: .none(logger: Logger(label: "test", handler: HostLogHandler(minimumLevel: .error)))
    )

    func request(headers: HTTPHeaders = [:], from address: String = "127.0.0.7") -> Request {
        var request = Request(method: .get, path: "/api/v1/notes/items", headers: headers)
        request.remoteAddress = address
        return request
    }

    @Test(arguments: ["ip", "user", "route", "header:X-Phone", "header:x-phone"])
    func theHashOfTheKeyBuiltInPiecesIsTheHashOfTheWholeKey(_ key: String) {
        let prefix = SharedKeyHash.State(seed: 0x5eed_1234).adding("notes|GET /api/v1/notes/items|")
        let requests = [request(), request(headers: ["X-Phone": "+4930111"], from: "10.0.0.1"), request(headers: ["x-phone": ""])]
        for request in requests {
            for identity in [nil, Identity(subject: "ada"), Identity(subject: "")] {
                let whole = enforcement.rateKey(key, request: request, identity: identity)
                #expect(enforcement.hashedRateKey(key, request: request, identity: identity, from: prefix) == prefix.adding(whole).finished, "\(key) \(whole)")
            }
        }
    }

    @Test func theKeysSeparateCallersAsTheirKindSays() {
        let ada = Identity(subject: "ada")
        #expect(enforcement.rateKey("user", request: request(), identity: ada) == "user:ada")
        #expect(enforcement.rateKey("user", request: request(), identity: nil) == "ip:127.0.0.7")
        #expect(enforcement.rateKey("route", request: request(from: "10.0.0.1"), identity: ada) == enforcement.rateKey("route", request: request(), identity: nil))
        #expect(enforcement.rateKey("header:X-Phone", request: request(headers: ["x-phone": "+49"]), identity: nil) == "header:+49")
        #expect(enforcement.rateKey("ip", request: request(from: "10.0.0.1"), identity: ada) == "ip:10.0.0.1")
    }
}
