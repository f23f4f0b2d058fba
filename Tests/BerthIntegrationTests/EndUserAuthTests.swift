import BerthTestSupport
import Foundation
import Testing

/// End-user tokens checked by the host before an addon runs, through the real binary: greeter's
/// `GET /me` declares `auth: required` in its manifest.
struct EndUserAuthTests {
    static let environment = ["BERTH_AUTH_JWT_SECRET": TestTokens.secret, "BERTH_AUTH_ISSUER": "https://id.example.com/"]

    func greeterHost(_ environment: [String: String] = EndUserAuthTests.environment) throws -> IntegrationHost {
        let host = try IntegrationHost(environment: environment)
        let archive = try host.packages.packExample("greeter", product: "Greeter")
        let installed = try host.uploadAndInstall(archive, id: "greeter")
        #expect(installed.status == 201, "\(installed.text)")
        return host
    }

    @Test func aValidTokenReachesTheHandlerWithItsSubjectAndRoles() throws {
        let host = try greeterHost()
        defer { host.close() }
        let token = TestTokens.hs256(["sub": "ada", "roles": ["admin", "editor"], "iss": "https://id.example.com/"])
        let reply = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json["subject"] as? String == "ada")
        #expect(reply.json["roles"] as? [String] == ["admin", "editor"])
        // The greeter's other routes stay public.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").status == 200)
    }

    @Test func refusedTokensAre401NamingTheReasonAndNeverReachTheAddon() throws {
        let host = try greeterHost()
        defer { host.close() }
        let client = host.berth.anonymous
        let anonymous = try client.send("GET", "/api/v1/greet/me")
        #expect(anonymous.status == 401)
        #expect(anonymous.errorCode == "missing_token")
        #expect(anonymous.headers["www-authenticate"] == "Bearer realm=\"berth\"")

        let issuer = "https://id.example.com/"
        let cases: [(String, String)] = [
            (TestTokens.hs256(["sub": "ada", "iss": issuer], secret: "another-secret-of-at-least-32-bytes!!"), "bad_signature"),
            (TestTokens.hs256(["sub": "ada", "iss": issuer, "exp": Int(Date().timeIntervalSince1970) - 3600]), "token_expired"),
            (TestTokens.hs256(["sub": "ada", "iss": "https://evil.example.com/"]), "wrong_issuer"),
            (TestTokens.hs256(["sub": "ada", "iss": issuer], header: #"{"alg":"none"}"#), "unsupported_algorithm"),
            (TestTokens.hs256(["sub": "ada", "iss": issuer], header: #"{"alg":"HS256","kid":"../../etc/passwd"}"#), "invalid_key_id"),
            ("not.a.token", "malformed_token"),
        ]
        for (token, reason) in cases {
            let reply = try client.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(reply.status == 401, "\(reason): \(reply.text)")
            #expect(reply.errorCode == reason, "\(reply.text)")
            #expect(reply.headers["www-authenticate"]?.contains("error_description=\"\(reason)\"") == true, "\(reply.headers)")
        }
    }

    @Test func rolesAreReadAtTheConfiguredClaimPathAsSupabasePutsThem() throws {
        var environment = Self.environment
        environment["BERTH_AUTH_ROLES_CLAIM"] = "app_metadata.roles"
        let host = try greeterHost(environment)
        defer { host.close() }
        let token = TestTokens.hs256(["sub": "5a1e", "role": "authenticated", "app_metadata": ["roles": ["billing"]], "iss": "https://id.example.com/"])
        let reply = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
        #expect(reply.json["roles"] as? [String] == ["billing"], "\(reply.text)")
    }

    @Test func rolesAreReadFromTheNamespacedClaimAuth0Adds() throws {
        var environment = Self.environment
        environment["BERTH_AUTH_ROLES_CLAIM"] = "https://example.com/roles"
        let host = try greeterHost(environment)
        defer { host.close() }
        let token = TestTokens.hs256(["sub": "auth0|42", "https://example.com/roles": ["editor"], "iss": "https://id.example.com/"])
        let reply = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: ["Authorization": "Bearer \(token)"])
        #expect(reply.json["roles"] as? [String] == ["editor"], "\(reply.text)")
    }

    @Test func aChatSessionBelongsToItsCreatorAndIsNotFoundForAnyoneElse() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("ai_chatbot", product: "AIChatbot"), id: "ai_chatbot").status == 201)
        let client = host.berth.anonymous
        func bearer(_ subject: String) -> [String: String] {
            ["Authorization": "Bearer " + TestTokens.hs256(["sub": subject, "iss": "https://id.example.com/"]), "Content-Type": "application/json"]
        }
        let created = try client.send("POST", "/api/v1/chat/sessions", body: Array(#"{"title":"ada's"}"#.utf8), headers: bearer("ada"))
        #expect(created.status == 201, "\(created.text)")
        let id = created.json["id"] as? Int ?? 0
        #expect(try client.send("GET", "/api/v1/chat/sessions/\(id)", headers: bearer("ada")).status == 200)
        #expect(try client.send("GET", "/api/v1/chat/sessions/\(id)", headers: bearer("grace")).status == 404)
        #expect(try client.send("GET", "/api/v1/chat/sessions/\(id)").status == 404)
        #expect(try client.send("POST", "/api/v1/chat/sessions/\(id)/messages", body: Array(#"{"content":"hi"}"#.utf8), headers: bearer("grace")).status == 404)
        #expect(try client.send("DELETE", "/api/v1/chat/sessions/\(id)", headers: bearer("grace")).status == 404)
        let adaList = try client.send("GET", "/api/v1/chat/sessions", headers: bearer("ada"))
        #expect((adaList.json["sessions"] as? [[String: Any]])?.count == 1)
        let graceList = try client.send("GET", "/api/v1/chat/sessions", headers: bearer("grace"))
        #expect((graceList.json["sessions"] as? [[String: Any]])?.isEmpty == true)
        // Anonymous sessions are nobody's: visible to anonymous callers only.
        let anonymous = try client.send("POST", "/api/v1/chat/sessions", body: Array(#"{"title":"guest"}"#.utf8))
        #expect(anonymous.status == 201)
        #expect((try client.send("GET", "/api/v1/chat/sessions").json["sessions"] as? [[String: Any]])?.count == 1)
        #expect(try client.send("GET", "/api/v1/chat/sessions/\(id)", headers: bearer("ada")).status == 200)
    }

    @Test func aHostWithAShortSecretRefusesToStartNamingTheSetting() throws {
        let folder = try TemporaryDirectory("berth-auth")
        defer { folder.remove() }
        let berth = BerthProcess(home: folder.appending("home"), environment: ["BERTH_AUTH_JWT_SECRET": "short"])
        #expect(throws: (any Error).self) { try berth.start() }
        #expect(berth.tail(50).contains("BERTH_AUTH_JWT_SECRET"))
    }
}
