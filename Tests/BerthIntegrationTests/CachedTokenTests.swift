import BerthTestSupport
import Foundation
import Testing

/// The host keeps tokens that verified; through the real binary, only the very same token is
/// served from that cache, and only until it expires.
struct CachedTokenTests {
    static let issuer = "https://id.example.com/"

    func greeterHost(_ extra: [String: String] = [:]) throws -> IntegrationHost {
        var environment = ["BERTH_AUTH_JWT_SECRET": TestTokens.secret, "BERTH_AUTH_ISSUER": Self.issuer]
        environment.merge(extra) { $1 }
        let host = try IntegrationHost(environment: environment)
        let installed = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        #expect(installed.status == 201, "\(installed.text)")
        return host
    }

    @Test func tamperedVariantsOfACachedTokenAreRefusedWhileItStillServes() throws {
        let host = try greeterHost()
        defer { host.close() }
        let client = host.berth.anonymous
        let token = TestTokens.hs256(["sub": "ada", "roles": ["editor"], "iss": Self.issuer])
        for _ in 0 ..< 3 {
            let reply = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["roles"] as? [String] == ["editor"])
        }
        let parts = token.split(separator: ".").map(String.init)
        let promoted = TestTokens.base64URL(try JSONSerialization.data(withJSONObject: ["sub": "ada", "roles": ["admin"], "iss": Self.issuer, "exp": Int(Date().timeIntervalSince1970) + 3600], options: [.sortedKeys]))
        var signature = Array(parts[2].utf8)
        signature[3] = signature[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let variants = [
            "\(parts[0]).\(promoted).\(parts[2])",
            "\(parts[0]).\(parts[1]).\(String(decoding: signature, as: UTF8.self))",
            TestTokens.base64URL(Data(#"{"alg":"none"}"#.utf8)) + ".\(parts[1]).",
        ]
        for (variant, reason) in zip(variants, ["bad_signature", "bad_signature", "unsupported_algorithm"]) {
            let reply = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(variant)"])
            #expect(reply.status == 401, "\(reply.text)")
            #expect(reply.errorCode == reason, "\(reply.text)")
        }
        let again = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
        #expect(again.status == 200, "\(again.text)")
        #expect(again.json["roles"] as? [String] == ["editor"])
    }

    @Test func aCachedTokenIsRefusedOnceItExpires() throws {
        let host = try greeterHost(["BERTH_AUTH_CLOCK_SKEW": "0"])
        defer { host.close() }
        let client = host.berth.anonymous
        let expiry = Int(Date().timeIntervalSince1970) + 2
        let token = TestTokens.hs256(["sub": "ada", "iss": Self.issuer, "exp": expiry])
        let first = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
        #expect(first.status == 200, "\(first.text)")
        // Ask until the answer changes: served (from the cache) before the expiry, refused from then on.
        var refused: (status: Int, code: String?)?
        while refused == nil, Date().timeIntervalSince1970 < Double(expiry) + 5 {
            let reply = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
            let now = Date().timeIntervalSince1970
            if reply.status != 200 {
                #expect(now >= Double(expiry), "refused before its expiry: \(reply.text)")
                refused = (reply.status, reply.errorCode)
            } else {
                #expect(now < Double(expiry) + 0.5, "served after its expiry")
            }
        }
        #expect(refused?.status == 401)
        #expect(refused?.code == "token_expired")
    }

    @Test func aTokenInTheNamedCookieIsReadAndCached() throws {
        let host = try greeterHost(["BERTH_AUTH_COOKIE": "sb-access-token"])
        defer { host.close() }
        let token = TestTokens.hs256(["sub": "grace", "iss": Self.issuer])
        for _ in 0 ..< 2 {
            let reply = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: ["Cookie": "theme=dark; sb-access-token=\(token)"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["subject"] as? String == "grace")
        }
        let other = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: ["Cookie": "xsb-access-token=\(token)"])
        #expect(other.status == 401)
        #expect(other.errorCode == "missing_token")
    }
}
