import BerthIdentity
import BerthMetrics
import BerthProviders
import BerthTraffic
import Foundation
import PluginAPI

/// What the host enforces on every addon route before the addon runs, shared by all routes of a
/// process: token verification, the rate-limit counts of the whole host, and the request metrics.
public struct RequestPolicies: Sendable {
    /// Verifies tokens and applies a route's access rule.
    let access: AccessGate
    /// Hit counts shared by every worker of the host (the `memory` rate-limiting store).
    let rateLimits: RateWindowTable?
    /// Request counters and histograms shared by every worker of the host.
    let metrics: SeriesTable?
    /// Whether a route is served when its rate limit cannot be counted (`BERTH_RATE_LIMIT_FAIL_OPEN`).
    let failOpen: Bool
    /// The host's provider slots, when it has them: whether route limits count in the shared file
    /// (the built-in `memory` provider) or through the rate-limiting slot is decided per mount.
    var providers: SlotRegistry? = nil
    /// Counts route limits through the rate-limiting slot (with `providers`).
    var slotCounter: SlotRateCounter? = nil
    /// Where refusals the operator should see are logged.
    let logger: Logger

    /// Starts the host's metrics from zero: called once by `berth serve` before any worker maps the
    /// file, so counts survive generation rolls but not a restart (as Prometheus expects of a
    /// process), and series of addons uninstalled since are gone. Rate-limit counts are kept.
    public static func resetMetrics(home: BerthHome) {
        for file in ["metrics.v1", "processes.v1", "metrics-history.json"] {
            try? FileManager.default.removeItem(atPath: home.stateDirectory + "/run/" + file)
        }
    }

    /// Policies that enforce nothing: every route public, no limits counted, no metrics.
    public static func none(logger: Logger) -> RequestPolicies {
        RequestPolicies(access: AccessGate(verifier: nil), rateLimits: nil, metrics: nil, failOpen: true, logger: logger)
    }

    /// Whether the routes mounted now count their limits through the rate-limiting slot rather
    /// than in the shared file: a provider other than the built-in `memory` one is selected.
    var countsInSlot: Bool {
        slotCounter != nil && providers?.rateLimitsAreBuiltIn == false
    }

    /// ``countsInSlot`` as a request reads it: a change of the rate-limiting slot by any worker
    /// is seen within ``BerthProviders/SlotRegistry/selectionCheckInterval``, without a system call per request.
    var countsInSlotNow: Bool {
        guard slotCounter != nil, let providers else { return false }
        return !providers.rateLimitsAreBuiltInNow()
    }

    /// The policies of `home` under `environment`: the identity settings (`BERTH_AUTH_*`), the
    /// counters in `.berth/run/`, `BERTH_RATE_LIMIT_FAIL_OPEN` (default `1`),
    /// `BERTH_RATE_LIMIT_TIMEOUT` (seconds a count through the rate-limiting slot may take,
    /// default 1) and `BERTH_METRICS` (default `1`; `0` counts nothing and serves no `/metrics`).
    /// With `providers`, route limits go through the rate-limiting slot when it is not `memory`.
    /// - Throws: ``BerthError`` (`invalid_setting`) naming a bad setting or an unusable file.
    static func load(environment: [String: String], runDirectory: String, providers: SlotRegistry? = nil, logger: Logger) async throws -> RequestPolicies {
        let auth: AuthSettings
        do {
            auth = try AuthSettings(environment: environment)
        } catch {
            throw BerthError(status: 500, code: "invalid_setting", message: error.message)
        }
        var verifier: TokenVerifier?
        if auth.isEnabled {
            do {
                let (made, skipped) = try await auth.makeVerifier()
                for reason in skipped { logger.warning("a key of BERTH_AUTH_JWKS is not used", metadata: ["reason": .string(reason)]) }
                verifier = made
            } catch {
                throw BerthError(status: 500, code: "invalid_setting", message: error.message)
            }
        }
        let failOpen: Bool
        switch environment["BERTH_RATE_LIMIT_FAIL_OPEN"]?.lowercased() ?? "1" {
        case "1", "true", "yes", "": failOpen = true
        case "0", "false", "no": failOpen = false
        case let other: throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_RATE_LIMIT_FAIL_OPEN=\(other.prefix(20)) must be 1 or 0")
        }
        var slotTimeout = Duration.seconds(1)
        if let text = environment["BERTH_RATE_LIMIT_TIMEOUT"], !text.isEmpty {
            guard let seconds = Double(text), seconds >= 0.01, seconds <= 60 else {
                throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_RATE_LIMIT_TIMEOUT=\(text.prefix(20)) is not a number of seconds in 0.01…60")
            }
            slotTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        let metricsOn: Bool
        switch environment["BERTH_METRICS"]?.lowercased() ?? "1" {
        case "1", "true", "yes", "": metricsOn = true
        case "0", "false", "no": metricsOn = false
        case let other: throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_METRICS=\(other.prefix(20)) must be 1 or 0")
        }
        do {
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return RequestPolicies(
                access: AccessGate(verifier: verifier, cookieName: auth.cookieName),
                rateLimits: try RateWindowTable(path: runDirectory + "/rate-limits.v1"),
                metrics: metricsOn ? try SeriesTable(path: runDirectory + "/metrics.v1") : nil,
                failOpen: failOpen,
                providers: providers,
                slotCounter: providers.map { SlotRateCounter(limiter: $0.hostRateLimiter(scope: "berth.routes"), timeout: slotTimeout, logger: logger) },
                logger: logger
            )
        } catch let error as TrafficError {
            throw BerthError(status: 500, code: "invalid_setting", message: "the host's shared counters cannot be used: \(error.message)")
        }
    }
}
