import PluginAPI
import ProviderKit

/// Supplies the monitoring provider `sentry`, sending each capture as an envelope to the DSN's
/// project. A DSN that does not parse fails the install with the reason.
struct SentryProviderAddon: Addon {
    var id: String { "sentry" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        _ = try SentryMonitor.envelope(context.configuration, http: context.http)
        let monitor = SentryMonitor(configuration: { context.configuration }, http: context.http)
        try context.offer(.monitoring("sentry", monitor))
    }

    func register(_ router: inout Router) {
        // A test capture through the host's monitoring fan-out, as an administrator checks a new
        // DSN; each provider's outcome shows in `GET /api/v1/providers`.
        router.post("/test") { request, context in
            await (try context.service(.monitoring)).capture(message: "Berth monitoring test event", level: .info, context: MonitoringContext(requestID: request.requestID, tags: ["source": "sentry-addon-test"]))
            return try .json(["captured": true])
        }
    }
}

/// The `sentry` member of the monitoring fan-out; it reports failed deliveries.
struct SentryMonitor: CheckedErrorMonitor {
    let configuration: @Sendable () -> AddonConfiguration
    let http: any HTTPClient

    static func envelope(_ configuration: AddonConfiguration, http: any HTTPClient) throws -> SentryEnvelope {
        do {
            return SentryEnvelope(dsn: try SentryDSN(configuration.string("dsn") ?? ""), http: http, timeout: .seconds(configuration.integer("timeoutSeconds") ?? 10))
        } catch let error as ProviderError {
            throw HTTPError(status: 400, code: "invalid_configuration", message: "sentry: \(error.message)")
        }
    }

    func deliver(message: String, level: LogLevel, context: MonitoringContext) async throws {
        try await send(message: message, level: level, exceptionType: nil, context: context)
    }

    func send(message: String, level: LogLevel, exceptionType: String?, context: MonitoringContext) async throws {
        do {
            try await Self.envelope(configuration(), http: http).capture(message: message, level: level, exceptionType: exceptionType, context: context)
        } catch let error as ProviderError {
            throw error.httpError
        }
    }

    func capture(error: any Error, context: MonitoringContext) async {
        try? await send(message: "\(error)", level: .error, exceptionType: String(describing: type(of: error)), context: context)
    }

    func capture(message: String, level: LogLevel, context: MonitoringContext) async {
        try? await deliver(message: message, level: level, context: context)
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(SentryProviderAddon()) }
