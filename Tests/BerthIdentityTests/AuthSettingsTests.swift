import Foundation
import Testing
@testable import BerthIdentity

struct AuthSettingsTests {
    @Test func withNoKeySourceAuthenticationIsOff() throws {
        #expect(try AuthSettings(environment: [:]).isEnabled == false)
    }

    @Test func badValuesNameTheVariable() {
        let cases: [([String: String], String)] = [
            (["BERTH_AUTH_JWT_SECRET": "short"], "BERTH_AUTH_JWT_SECRET"),
            (["BERTH_AUTH_CLOCK_SKEW": "-5"], "BERTH_AUTH_CLOCK_SKEW"),
            (["BERTH_AUTH_CLOCK_SKEW": "soon"], "BERTH_AUTH_CLOCK_SKEW"),
            (["BERTH_AUTH_ROLES_CLAIM": "app_metadata..roles"], "BERTH_AUTH_ROLES_CLAIM"),
        ]
        for (environment, name) in cases {
            let error = #expect(throws: IdentitySetupError.self) { try AuthSettings(environment: environment) }
            #expect(error?.message.contains(name) == true, "\(environment)")
        }
    }

    @Test func aJWKSFileAndASecretTogetherGiveOneVerifier() async throws {
        let key = TestKey(.ed25519)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        try Data(TokenFactory.jwks([key.jwk(kid: "ed-1")])).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let secret = String(repeating: "z", count: 32)
        let settings = try AuthSettings(environment: ["BERTH_AUTH_JWKS": file, "BERTH_AUTH_JWT_SECRET": secret, "BERTH_AUTH_ISSUER": "iss-1"])
        let (verifier, skipped) = try await settings.makeVerifier()
        #expect(skipped.isEmpty)
        let claims = TokenFactory.claims(["iss": "iss-1"])
        #expect(try verifier.verify(TokenFactory.signed(key, alg: "EdDSA", kid: "ed-1", claims: claims), now: TokenFactory.now).subject == "user-42")
        #expect(try verifier.verify(TokenFactory.hmacSigned(secret: secret, claims: claims), now: TokenFactory.now).subject == "user-42")
    }

    @Test func anUnreadableJWKSFileStopsTheStartNamingIt() async {
        let settings = try! AuthSettings(environment: ["BERTH_AUTH_JWKS": "/nonexistent/jwks.json"])
        await #expect(throws: IdentitySetupError.self) { try await settings.makeVerifier() }
    }
}
