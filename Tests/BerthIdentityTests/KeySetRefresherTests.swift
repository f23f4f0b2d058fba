import Testing
@testable import BerthIdentity

struct KeySetRefresherTests {
    @Test func aKeyPublishedAfterStartIsFetchedWhenATokenNamesIt() async throws {
        let server = try StaticFileServer()
        let first = TestKey(.ec(curve: "P-256")), rotated = TestKey(.ed25519)
        try server.write("jwks.json", TokenFactory.jwks([first.jwk(kid: "first")]))
        let settings = try AuthSettings(environment: ["BERTH_AUTH_JWKS": server.url("jwks.json"), "BERTH_AUTH_JWKS_REFRESH_FLOOR": "1"])
        let (verifier, skipped) = try await settings.makeVerifier()
        #expect(skipped.isEmpty)
        #expect(try verifier.verify(TokenFactory.signed(first, alg: "ES256", kid: "first"), now: TokenFactory.now).subject == "user-42")

        let token = TokenFactory.signed(rotated, alg: "EdDSA", kid: "rotated")
        #expect(throws: AuthenticationError.self) { try verifier.verify(token, now: TokenFactory.now) }
        try server.write("jwks.json", TokenFactory.jwks([first.jwk(kid: "first"), rotated.jwk(kid: "rotated")]))
        // Within the floor no fetch happens; once it has passed, the unknown kid triggers one.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await verifier.verifyRefreshing(token, now: TokenFactory.now).subject == "user-42")
    }

    @Test func theSharedSecretStillVerifiesAfterARefreshOfTheKeySetURL() async throws {
        let server = try StaticFileServer()
        let secret = "a-shared-secret-of-at-least-32-bytes!!"
        let first = TestKey(.ec(curve: "P-256")), rotated = TestKey(.ed25519)
        try server.write("jwks.json", TokenFactory.jwks([first.jwk(kid: "first")]))
        let settings = try AuthSettings(environment: ["BERTH_AUTH_JWKS": server.url("jwks.json"), "BERTH_AUTH_JWT_SECRET": secret, "BERTH_AUTH_JWKS_REFRESH_FLOOR": "1"])
        let (verifier, _) = try await settings.makeVerifier()
        #expect(try verifier.verify(TokenFactory.hmacSigned(secret: secret), now: TokenFactory.now).subject == "user-42")

        // A token naming a key published later makes the verifier fetch the set again, once the floor allows.
        try server.write("jwks.json", TokenFactory.jwks([first.jwk(kid: "first"), rotated.jwk(kid: "rotated")]))
        let token = TokenFactory.signed(rotated, alg: "EdDSA", kid: "rotated")
        let deadline = ContinuousClock.now + .seconds(10)
        var refreshed = false
        while !refreshed, ContinuousClock.now < deadline {
            refreshed = (try? await verifier.verifyRefreshing(token, now: TokenFactory.now)) != nil
            if !refreshed { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refreshed, "the rotated key was never fetched")
        #expect(verifier.currentKeys.keys.map(\.id) == [nil, "first", "rotated"], "the secret is kept in front of the fetched keys")
        // A token signed with the secret, not cached before the refresh (the cache was emptied anyway).
        let hs256 = TokenFactory.hmacSigned(secret: secret, claims: TokenFactory.claims(["sub": "after-refresh"]))
        #expect(try verifier.verify(hs256, now: TokenFactory.now).subject == "after-refresh")
        #expect(try verifier.verify(TokenFactory.signed(first, alg: "ES256", kid: "first"), now: TokenFactory.now).subject == "user-42")
    }

    @Test func unknownKeyIDsCannotMakeTheHostFetchMoreOftenThanTheFloor() async throws {
        let server = try StaticFileServer()
        let key = TestKey(.ed25519)
        try server.write("jwks.json", TokenFactory.jwks([]))
        let refresher = try KeySetRefresher(url: server.url("jwks.json"), floor: .seconds(60))
        _ = try await refresher.fetch()
        try server.write("jwks.json", TokenFactory.jwks([key.jwk(kid: "k")]))
        #expect(await refresher.refreshIfAllowed() == nil)
        let verifier = TokenVerifier(keys: KeySet(keys: []), refresher: refresher)
        let error = await #expect(throws: AuthenticationError.self) {
            try await verifier.verifyRefreshing(TokenFactory.signed(key, alg: "EdDSA", kid: "k"), now: TokenFactory.now)
        }
        #expect(error?.code == .unknownKey)
    }

    @Test func anUnreachableKeySetURLIsReportedNotFatal() async throws {
        let settings = try AuthSettings(environment: ["BERTH_AUTH_JWKS": "http://127.0.0.1:1/jwks.json"])
        let (verifier, skipped) = try await settings.makeVerifier()
        #expect(skipped.count == 1)
        #expect(skipped[0].contains("127.0.0.1:1"))
        #expect(verifier.currentKeys.keys.isEmpty)
    }

    @Test func aKeySetURLThatIsNotHTTPIsASettingError() {
        #expect(throws: IdentitySetupError.self) { try KeySetRefresher(url: "file:///etc/passwd") }
    }
}
