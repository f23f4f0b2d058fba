import BerthTestSupport
import Foundation
import Glibc
import Testing

/// A key set URL that was down when the host started: the host starts without its keys and
/// fetches them again when tokens arrive, also on a synchronous route (greeter's `GET /me`),
/// no more often than `BERTH_AUTH_JWKS_REFRESH_FLOOR` allows.
struct KeySetRecoveryTests {
    static let secret = "a-key-set-secret-of-at-least-32-bytes!"

    /// Python's `http.server` serving `folder` on `port` of loopback, until the returned process is killed.
    static func serve(_ folder: String, port: Int) throws -> Process {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", folder]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }

    @Test func aKeySetURLDownAtStartIsFetchedWhenTokensArriveOnASynchronousRoute() throws {
        let port = try BerthProcess.freePort()
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWKS": "http://127.0.0.1:\(port)/jwks.json", "BERTH_AUTH_JWKS_REFRESH_FLOOR": "1"])
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        // A token without kid, verified by the set's only key: while the host has no keys, 503 keys_unavailable.
        let bearer = ["Authorization": "Bearer " + TestTokens.hs256(["sub": "ada", "roles": ["reader"]], secret: Self.secret)]
        let before = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: bearer)
        #expect(before.status == 503 && before.errorCode == "keys_unavailable", "\(before.text)")

        let folder = host.folder.appending("jwks")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let key = TestTokens.base64URL(Data(Self.secret.utf8))
        try Data(#"{"keys":[{"kty":"oct","kid":"shared","alg":"HS256","k":"\#(key)"}]}"#.utf8).write(to: URL(fileURLWithPath: folder + "/jwks.json"))
        let server = try Self.serve(folder, port: port)
        // Foundation starts children with SIGTERM blocked: end it for sure.
        defer {
            kill(server.processIdentifier, SIGKILL)
            while server.isRunning { usleep(10_000) }
        }
        var last = before
        try pollUntil("a token verifies once the key set is up", timeout: 20) {
            last = try host.berth.anonymous.send("GET", "/api/v1/greet/me", headers: bearer)
            return last.status == 200
        }
        #expect(last.json["subject"] as? String == "ada", "\(last.text)")
        #expect(last.json["roles"] as? [String] == ["reader"])
    }
}
