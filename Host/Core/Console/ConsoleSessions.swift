import BerthPackages
import Foundation
import Glibc
import PluginAPI

/// The console's sign-in sessions, kept as files in the home so every worker process of the host
/// sees the same ones: `.berth/console-sessions/<SHA-256 of the cookie>` (mode 0600) holds the
/// expiry and the CSRF token. Only the digest of a cookie touches the disk, so reading the folder
/// gives no usable session.
struct ConsoleSessions: Sendable {
    /// What the store says about a request's console session.
    enum Verdict: Sendable {
        /// The request carries no console cookie (it may still carry the bearer token).
        case none
        /// A live session, and for a state-changing method its matching CSRF token.
        case admitted
        /// A cookie that is unknown or expired, or a state-changing request without the CSRF token.
        case refused(Response)
    }

    /// A session as the sign-in answer and `GET /admin/session` describe it.
    struct Session: Codable, Sendable {
        let csrf: String
        let expires: Double
    }

    static let cookieName = "berth_console"

    let directory: String
    let lifetime: Double
    /// The clock, replaceable so tests can step past an expiry without waiting.
    let now: @Sendable () -> Double

    init(home: BerthHome, lifetime: Double, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.directory = home.stateDirectory + "/console-sessions"
        self.lifetime = lifetime
        self.now = now
    }

    /// Starts a session: the cookie's value (shown to the browser only) and the session record.
    func create() throws -> (cookie: String, session: Session) {
        try prepareDirectory()
        removeExpired()
        let cookie = Self.randomHex(32)
        let session = Session(csrf: Self.randomHex(32), expires: now() + lifetime)
        try write(try JSONEncoder().encode(session), to: file(for: cookie))
        return (cookie, session)
    }

    /// Writes a record whole (temp file, rename) with mode 0600 from its creation, without `fsync`:
    /// sign-in runs on the server's polling thread, which must not wait on the disk, and a record
    /// lost in a crash only means signing in again.
    private func write(_ data: Data, to path: String) throws {
        // A dot name, which the sweep of expired records passes over.
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.ioError("create", temporary) }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == data.count, rename(temporary, path) == 0 else {
            let failure = Self.ioError("write", temporary)
            unlink(temporary)
            throw failure
        }
    }

    private static func ioError(_ action: String, _ path: String) -> BerthError {
        BerthError.internalError("io_error", "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }

    /// The live session named by the request's cookie, if any.
    func session(for request: Request) -> Session? {
        guard let cookie = Self.cookie(in: request) else { return nil }
        return session(cookie: cookie)
    }

    /// Ends the session named by the request's cookie (sign-out); nothing happens without one.
    func end(for request: Request) {
        guard let cookie = Self.cookie(in: request), Self.isWellFormed(cookie) else { return }
        unlink(file(for: cookie))
    }

    /// Checks the console cookie of a request to the admin API: a request from this host's origin
    /// (or without `Origin`), a live session for reads, and the session's CSRF token in
    /// `X-CSRF-Token` for every method that changes something.
    func verdict(for request: Request) -> Verdict {
        guard let cookie = Self.cookie(in: request) else { return .none }
        // An addon's page runs in an opaque origin (its sandbox) and says `Origin: null`; no page
        // but the console's own may use the console's session, whatever the browser sent.
        guard ConsoleCookie.isSameOrigin(request) else {
            return .refused(JSONResponse.error(status: 403, code: "cross_origin", message: "the console session is accepted only from the console's own origin (this request came from \(request.headers["Origin"]?.prefix(100) ?? "another origin"))"))
        }
        guard let session = session(cookie: cookie) else {
            return .refused(JSONResponse.error(status: 401, code: "session_expired", message: "the console session has expired or was ended: sign in again"))
        }
        switch request.method {
        case .get, .head, .options: return .admitted
        default:
            let presented = request.headers["X-CSRF-Token"] ?? ""
            guard Self.constantTimeEqual(presented, session.csrf) else {
                return .refused(JSONResponse.error(status: 403, code: "csrf_token_invalid", message: "a state-changing request with the console session needs the session's token in X-CSRF-Token"))
            }
            return .admitted
        }
    }

    private func session(cookie: String) -> Session? {
        guard Self.isWellFormed(cookie), let data = FileManager.default.contents(atPath: file(for: cookie)),
              let session = try? JSONDecoder().decode(Session.self, from: data) else { return nil }
        guard session.expires > now() else {
            unlink(file(for: cookie))
            return nil
        }
        return session
    }

    private func file(for cookie: String) -> String {
        directory + "/" + SHA256Digest.hex(Array(cookie.utf8))
    }

    private func prepareDirectory() throws {
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    /// Drops the records of sessions past their expiry, so the folder does not grow with sign-ins.
    private func removeExpired() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let current = now()
        for name in names where !name.hasPrefix(".") {
            let path = directory + "/" + name
            let session = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Session.self, from: $0) }
            if (session?.expires ?? 0) <= current { unlink(path) }
        }
    }

    /// The value of the console cookie in the request's `Cookie` header.
    static func cookie(in request: Request) -> String? {
        guard let header = request.headers["Cookie"] else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func isWellFormed(_ cookie: String) -> Bool {
        cookie.utf8.count == 64 && cookie.utf8.allSatisfy { (48 ... 57).contains($0) || (97 ... 102).contains($0) }
    }

    static func randomHex(_ count: Int) -> String {
        // The system generator reads the kernel's CSPRNG (getrandom) on Linux.
        var generator = SystemRandomNumberGenerator()
        return (0 ..< count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    static func constantTimeEqual(_ first: String, _ second: String) -> Bool {
        let a = Array(first.utf8), b = Array(second.utf8)
        guard a.count == b.count, !a.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
