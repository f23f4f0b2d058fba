import PluginAPI
import ProviderKit

/// Supplies the analytics providers `posthog` and `ga4`, each when its keys are configured at
/// start. They report failed deliveries (``CheckedAnalyticsTracker``), so the host's fan-out
/// counts each one's failures separately.
struct AnalyticsGatewaysAddon: Addon {
    var id: String { "analytics_gateways" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        for name in AnalyticsDestinations.configured(context.configuration) {
            let tracker = GatewayTracker(name: name, configuration: { context.configuration }, http: context.http)
            try context.offer(.analytics(name, tracker))
        }
    }

    func register(_ router: inout Router) {
        router.get("/gateways") { _, context in
            try .json(["offered": AnalyticsDestinations.configured(context.configuration)])
        }
    }
}

/// The destinations the configuration has keys for.
enum AnalyticsDestinations {
    static func text(_ configuration: AddonConfiguration, _ key: String) -> String? {
        guard let value = configuration.string(key), !value.isEmpty else { return nil }
        return value
    }

    static func configured(_ configuration: AddonConfiguration) -> [String] {
        ["posthog", "ga4"].filter { (try? destination($0, configuration)) != nil }
    }

    static func destination(_ name: String, _ configuration: AddonConfiguration) throws -> AnalyticsRequests.Destination {
        if name == "posthog" {
            guard let key = text(configuration, "posthogProjectApiKey") else {
                throw HTTPError(status: 500, code: "invalid_configuration", message: "posthog: 'posthogProjectApiKey' is not set")
            }
            return .postHog(host: text(configuration, "posthogHost") ?? "https://us.i.posthog.com", projectAPIKey: key)
        }
        guard let id = text(configuration, "ga4MeasurementId"), let secret = text(configuration, "ga4ApiSecret") else {
            throw HTTPError(status: 500, code: "invalid_configuration", message: "ga4: 'ga4MeasurementId' and 'ga4ApiSecret' must both be set")
        }
        return .googleAnalytics4(measurementID: id, apiSecret: secret, baseURL: text(configuration, "ga4Base") ?? "https://www.google-analytics.com")
    }
}

/// One destination as a member of the analytics fan-out.
struct GatewayTracker: CheckedAnalyticsTracker {
    let name: String
    let configuration: @Sendable () -> AddonConfiguration
    let http: any HTTPClient

    func requests() throws -> AnalyticsRequests {
        let configuration = configuration()
        return AnalyticsRequests(destination: try AnalyticsDestinations.destination(name, configuration), http: http, timeout: .seconds(configuration.integer("timeoutSeconds") ?? 10))
    }

    func deliver(_ event: AnalyticsEvent) async throws {
        do { try await requests().send(event) } catch let error as ProviderError { throw error.httpError }
    }

    func deliverIdentify(userID: String, traits: [String: JSONValue]) async throws {
        do { try await requests().identify(userID: userID, traits: traits) } catch let error as ProviderError { throw error.httpError }
    }

    func track(_ event: AnalyticsEvent) async { try? await deliver(event) }

    func identify(userID: String, traits: [String: JSONValue]) async { try? await deliverIdentify(userID: userID, traits: traits) }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(AnalyticsGatewaysAddon()) }
