import BerthPackages
import Foundation
import Testing

struct RoutePolicyValidationTests {
    private func manifest(routes: [RoutePolicy] = [], cors: CORSPolicy? = nil) -> Manifest {
        var manifest = PackageFixture.template()
        let hash = String(repeating: "a", count: 64)
        manifest.files = ["lib/libGreeter.so": hash, "migrations/sqlite/0001_init.up.sql": hash, "migrations/sqlite/0001_init.down.sql": hash]
        manifest.routes = routes
        manifest.cors = cors
        return manifest
    }

    private func expectInvalid(naming field: String, routes: [RoutePolicy] = [], cors: CORSPolicy? = nil) {
        let error = #expect(throws: PackageError.self) { try manifest(routes: routes, cors: cors).validate() }
        #expect(error?.message.contains("'\(field)'") == true, "\(String(describing: error))")
    }

    @Test func policiesDecodeWithTheirDefaults() throws {
        let json = #"[{"method":"GET","path":"/me","auth":"required","roles":["admin"]},{"method":"POST","path":"/codes","rateLimit":{"limit":3,"windowSeconds":300}}]"#
        let routes = try JSONDecoder().decode([RoutePolicy].self, from: Data(json.utf8))
        #expect(routes[0].auth == .required && routes[0].roles == ["admin"] && routes[0].scopes.isEmpty)
        #expect(routes[1].auth == .none && routes[1].rateLimit == RateLimitRule(limit: 3, windowSeconds: 300, key: "ip"))
        try manifest(routes: routes).validate()
    }

    @Test func aManifestWithoutRoutesOrCORSStillDecodes() throws {
        let template = PackageFixture.template()
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(template)) as! [String: Any]
        object.removeValue(forKey: "routes")
        let decoded = try JSONDecoder().decode(Manifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.routes.isEmpty && decoded.cors == nil)
    }

    @Test func badRoutePoliciesNameTheField() {
        expectInvalid(naming: "routes[0].method", routes: [RoutePolicy(method: "FETCH", path: "/x")])
        expectInvalid(naming: "routes[0].path", routes: [RoutePolicy(method: "GET", path: "x/../y")])
        expectInvalid(naming: "routes[1]", routes: [RoutePolicy(method: "GET", path: "/x"), RoutePolicy(method: "GET", path: "/x")])
        expectInvalid(naming: "routes[0].auth", routes: [RoutePolicy(method: "GET", path: "/x", roles: ["admin"])])
        expectInvalid(naming: "routes[0].rateLimit.limit", routes: [RoutePolicy(method: "GET", path: "/x", rateLimit: RateLimitRule(limit: 0, windowSeconds: 60))])
        expectInvalid(naming: "routes[0].rateLimit.windowSeconds", routes: [RoutePolicy(method: "GET", path: "/x", rateLimit: RateLimitRule(limit: 5, windowSeconds: 0))])
        expectInvalid(naming: "routes[0].rateLimit.key", routes: [RoutePolicy(method: "GET", path: "/x", rateLimit: RateLimitRule(limit: 5, windowSeconds: 60, key: "header:"))])
        expectInvalid(naming: "routes[0].rateLimit.key", routes: [RoutePolicy(method: "GET", path: "/x", rateLimit: RateLimitRule(limit: 5, windowSeconds: 60, key: "cookie"))])
        expectInvalid(naming: "routes[0].timeoutSeconds", routes: [RoutePolicy(method: "GET", path: "/x", timeoutSeconds: 0)])
    }

    @Test func aWildcardOriginWithCredentialsIsRefused() {
        expectInvalid(naming: "cors.credentials", cors: CORSPolicy(origins: ["*"], credentials: true))
        expectInvalid(naming: "cors.origins", cors: CORSPolicy(origins: ["*", "https://a.example"]))
        expectInvalid(naming: "cors.origins", cors: CORSPolicy(origins: ["https://a.example/path"]))
        expectInvalid(naming: "cors.origins", cors: CORSPolicy(origins: []))
        expectInvalid(naming: "cors.methods", cors: CORSPolicy(origins: ["https://a.example"], methods: ["*"]))
    }

    @Test func listedOriginsWithCredentialsAreAccepted() throws {
        try manifest(cors: CORSPolicy(origins: ["https://app.example.com", "http://localhost:3000"], methods: ["GET"], headers: ["Authorization"], credentials: true)).validate()
    }

    @Test func aPolicyCoversItsMethodAndPath() {
        let policy = RoutePolicy(method: "*", path: "")
        #expect(policy.covers(method: "GET", path: "/"))
        #expect(policy.covers(method: "POST", path: ""))
        #expect(!RoutePolicy(method: "GET", path: "/a").covers(method: "POST", path: "/a"))
    }
}
