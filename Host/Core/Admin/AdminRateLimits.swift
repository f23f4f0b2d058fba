import BerthTraffic
import Foundation
import PluginAPI

/// Limits on the admin API per client address, counted in the host's shared rate-limit file so
/// they hold across all workers: failed admin credentials (`BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE`,
/// default 10) and package uploads (`BERTH_ADMIN_UPLOADS_PER_MINUTE`, default 30). `0` turns a
/// limit off.
///
/// An address that reached the failure limit is refused `429 too_many_token_failures` on every
/// admin request (even with the right token, so guessing on stops telling right from wrong) until
/// the window of its first failure ends.
struct AdminRateLimits: Sendable {
    let table: RateWindowTable
    let tokenFailuresPerMinute: Int
    let uploadsPerMinute: Int

    /// Seconds of both windows.
    static let window = 60

    /// The limits `environment` sets, counted in `table`.
    /// - Throws: ``BerthError`` (`invalid_setting`) naming a value that is not a whole number in 0…100000.
    init(environment: [String: String], table: RateWindowTable) throws {
        self.table = table
        tokenFailuresPerMinute = try Self.perMinute(environment, "BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE", default: 10)
        uploadsPerMinute = try Self.perMinute(environment, "BERTH_ADMIN_UPLOADS_PER_MINUTE", default: 30)
    }

    private static func perMinute(_ environment: [String: String], _ name: String, default value: Int) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), (0 ... 100_000).contains(number) else {
            throw BerthError(status: 500, code: "invalid_setting", message: "\(name)=\(text.prefix(20)) is not a whole number in 0…100000 (0: no limit)")
        }
        return number
    }

    /// The 429 for an address that reached the failure limit; nil if it has not.
    func lockout(for address: String) -> Response? {
        guard tokenFailuresPerMinute > 0 else { return nil }
        // Cost 0 against one less than the limit: refused exactly when the failures reached it.
        guard case .decided(let decision) = table.hit(Self.failureKey(address), limit: tokenFailuresPerMinute - 1, window: Self.window, cost: 0, now: Self.now()),
              !decision.allowed else { return nil }
        return tooManyFailures(resetSeconds: decision.resetSeconds)
    }

    /// Counts a failed credential from `address`: the 429 if it is past the limit, nil if the
    /// caller's own refusal (401) stands.
    func recordFailure(from address: String) -> Response? {
        guard tokenFailuresPerMinute > 0,
              case .decided(let decision) = table.hit(Self.failureKey(address), limit: tokenFailuresPerMinute, window: Self.window, now: Self.now()),
              !decision.allowed else { return nil }
        return tooManyFailures(resetSeconds: decision.resetSeconds)
    }

    /// Counts a package upload from `address`: the 429 if it is past the limit, nil to accept it.
    func admitUpload(from address: String) -> Response? {
        guard uploadsPerMinute > 0 else { return nil }
        let now = Self.now()
        guard case .decided(let decision) = table.hit("admin|uploads|" + address, limit: uploadsPerMinute, window: Self.window, now: now),
              !decision.allowed else { return nil }
        let body = JSONResponse.error(
            status: 429, code: "too_many_uploads",
            message: "this address may upload \(uploadsPerMinute) packages per minute (BERTH_ADMIN_UPLOADS_PER_MINUTE); try again in \(decision.resetSeconds) s"
        ).body
        return RateLimitFields.refusal(decision, policy: "admin uploads", window: Self.window, now: Int(now), body: body)
    }

    private func tooManyFailures(resetSeconds: Int) -> Response {
        var response = JSONResponse.error(
            status: 429, code: "too_many_token_failures",
            message: "too many failed admin credentials from this address (\(tokenFailuresPerMinute) per minute, BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE); try again in \(resetSeconds) s"
        )
        response.headers["Retry-After"] = String(resetSeconds)
        return response
    }

    private static func failureKey(_ address: String) -> String { "admin|token-failures|" + address }

    private static func now() -> UInt32 { UInt32(clamping: Int(Date().timeIntervalSince1970)) }
}
