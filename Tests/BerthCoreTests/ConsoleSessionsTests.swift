@testable import BerthCore
import Foundation
import PluginAPI
import Synchronization
import Testing

/// Console sessions live in the home, so every worker reading it honours them (the browser tests
/// prove it across two worker processes), CSRF guards every
/// state change, sign-out and expiry end them, and the disk holds only digests of cookies.
struct ConsoleSessionsTests {
    final class Clock: Sendable {
        let seconds = Mutex(1_000_000.0)
        func read() -> Double { seconds.withLock { $0 } }
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
    }

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("console-sessions-\(UUID().uuidString)").path
    let clock = Clock()

    func store() throws -> ConsoleSessions {
        let clock = clock
        return ConsoleSessions(home: try BerthHome(root: root), lifetime: 60, now: { clock.read() })
    }

    func request(_ method: HTTPMethod, cookie: String?, csrf: String? = nil) -> Request {
        var headers: HTTPHeaders = [:]
        if let cookie { headers["Cookie"] = "other=1; \(ConsoleSessions.cookieName)=\(cookie)" }
        if let csrf { headers["X-CSRF-Token"] = csrf }
        return Request(method: method, path: "/api/v1/addons", headers: headers)
    }

    func admitted(_ verdict: ConsoleSessions.Verdict) -> Bool {
        if case .admitted = verdict { return true }
        return false
    }

    func refusal(_ verdict: ConsoleSessions.Verdict) -> Int? {
        if case .refused(let response) = verdict { return response.status }
        return nil
    }

    @Test func aSessionMadeByOneStoreIsHonouredByAnotherOnTheSameHome() throws {
        let (cookie, session) = try store().create()
        let other = try store()
        #expect(admitted(other.verdict(for: request(.get, cookie: cookie))))
        #expect(admitted(other.verdict(for: request(.post, cookie: cookie, csrf: session.csrf))))
    }

    @Test func aStateChangeWithoutTheRightCSRFTokenIsRefusedWith403() throws {
        let sessions = try store()
        let (cookie, session) = try sessions.create()
        #expect(refusal(sessions.verdict(for: request(.post, cookie: cookie))) == 403)
        #expect(refusal(sessions.verdict(for: request(.delete, cookie: cookie, csrf: String(session.csrf.reversed())))) == 403)
        #expect(refusal(sessions.verdict(for: request(.patch, cookie: cookie, csrf: ""))) == 403)
    }

    @Test func aSessionExpiresAfterItsLifetime() throws {
        let sessions = try store()
        let (cookie, _) = try sessions.create()
        clock.advance(59)
        #expect(admitted(sessions.verdict(for: request(.get, cookie: cookie))))
        clock.advance(2)
        #expect(refusal(sessions.verdict(for: request(.get, cookie: cookie))) == 401)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sessions.directory).isEmpty)
    }

    @Test func aSignInClearsTheRecordsOfExpiredSessions() throws {
        let sessions = try store()
        _ = try sessions.create()
        clock.advance(61)
        _ = try sessions.create()
        #expect(try FileManager.default.contentsOfDirectory(atPath: sessions.directory).count == 1)
    }

    @Test func signingOutEndsTheSessionForEveryProcess() throws {
        let sessions = try store()
        let (cookie, _) = try sessions.create()
        sessions.end(for: request(.delete, cookie: cookie))
        #expect(refusal(try store().verdict(for: request(.get, cookie: cookie))) == 401)
    }

    @Test func anUnknownOrMalformedCookieIsRefusedAndNoCookieIsLeftToTheBearerToken() throws {
        let sessions = try store()
        #expect(refusal(sessions.verdict(for: request(.get, cookie: String(repeating: "a", count: 64)))) == 401)
        #expect(refusal(sessions.verdict(for: request(.get, cookie: "../../admin-token"))) == 401)
        if case .none = sessions.verdict(for: request(.get, cookie: nil)) {} else { Issue.record("a request without the cookie is not the store's to judge") }
    }

    @Test func theDiskHoldsOnlyDigestsOfCookiesWithOwnerOnlyPermissions() throws {
        let sessions = try store()
        let (cookie, _) = try sessions.create()
        let names = try FileManager.default.contentsOfDirectory(atPath: sessions.directory)
        #expect(names.count == 1)
        #expect(!names.contains(cookie))
        let attributes = try FileManager.default.attributesOfItem(atPath: sessions.directory + "/" + names[0])
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: sessions.directory)
        #expect((folder[.posixPermissions] as? Int) == 0o700)
    }
}
