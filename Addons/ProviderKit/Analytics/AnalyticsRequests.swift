import PluginAPI

/// PostHog's capture API and the GA4 Measurement Protocol: the documented requests for an event
/// and for identifying a user, sent through the host's client.
public struct AnalyticsRequests: Sendable {
    /// A destination and its keys.
    public enum Destination: Sendable, Hashable {
        /// PostHog (`https://us.i.posthog.com`, `https://eu.i.posthog.com` or self-hosted) with a project API key.
        case postHog(host: String, projectAPIKey: String)
        /// GA4: the measurement id (`G-…`) and a Measurement Protocol API secret.
        case googleAnalytics4(measurementID: String, apiSecret: String, baseURL: String = "https://www.google-analytics.com")
    }

    /// The destination.
    public let destination: Destination
    /// Longest one request may take.
    public let timeout: Duration
    let http: any HTTPClient

    /// Creates the request builder.
    public init(destination: Destination, http: any HTTPClient, timeout: Duration = .seconds(10)) {
        self.destination = destination
        self.http = http
        self.timeout = timeout
    }

    /// The request that records `event` (GA4 wants `userID` or `anonymousID` as its client id).
    public func request(_ event: AnalyticsEvent) throws -> OutgoingRequest {
        switch destination {
        case .postHog(let host, let key):
            guard let distinct = event.userID ?? event.anonymousID else { throw ProviderError(.invalidConfiguration, "a PostHog event needs a user or anonymous id") }
            let body = JSONValue.object(["api_key": .string(key), "event": .string(event.name), "distinct_id": .string(distinct), "properties": .object(event.properties)])
            return OutgoingRequest(method: .post, url: trimmed(host) + "/capture/", headers: ["Content-Type": "application/json"], body: HTTPCall.json(body))
        case .googleAnalytics4(let measurementID, let secret, let base):
            guard event.name.count <= 40, let first = event.name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
                  event.name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
                throw ProviderError(.invalidConfiguration, "GA4 event names are up to 40 letters, digits and underscores starting with a letter (got '\(event.name)')")
            }
            guard let client = event.anonymousID ?? event.userID else { throw ProviderError(.invalidConfiguration, "a GA4 event needs a client id (anonymous id) or user id") }
            var body: [String: JSONValue] = ["client_id": .string(client), "events": .array([.object(["name": .string(event.name), "params": .object(event.properties)])])]
            if let user = event.userID { body["user_id"] = .string(user) }
            let url = trimmed(base) + "/mp/collect?measurement_id=\(PercentEncoding.encode(measurementID))&api_secret=\(PercentEncoding.encode(secret))"
            return OutgoingRequest(method: .post, url: url, headers: ["Content-Type": "application/json"], body: HTTPCall.json(.object(body)))
        }
    }

    /// The request that attaches `traits` to `userID` (PostHog `$identify` with `$set`; GA4 user properties).
    public func identifyRequest(userID: String, traits: [String: JSONValue]) throws -> OutgoingRequest {
        switch destination {
        case .postHog:
            return try request(AnalyticsEvent(name: "$identify", userID: userID, properties: ["$set": .object(traits)]))
        case .googleAnalytics4(let measurementID, let secret, let base):
            let properties = traits.mapValues { JSONValue.object(["value": $0]) }
            let body = JSONValue.object(["client_id": .string(userID), "user_id": .string(userID), "user_properties": .object(properties), "events": .array([.object(["name": .string("login"), "params": .object([:])])])])
            let url = trimmed(base) + "/mp/collect?measurement_id=\(PercentEncoding.encode(measurementID))&api_secret=\(PercentEncoding.encode(secret))"
            return OutgoingRequest(method: .post, url: url, headers: ["Content-Type": "application/json"], body: HTTPCall.json(body))
        }
    }

    /// Sends `event`.
    public func send(_ event: AnalyticsEvent) async throws {
        _ = try await HTTPCall.send(try request(event), through: http, timeout: timeout, provider: providerName)
    }

    /// Sends an identify call.
    public func identify(userID: String, traits: [String: JSONValue]) async throws {
        _ = try await HTTPCall.send(try identifyRequest(userID: userID, traits: traits), through: http, timeout: timeout, provider: providerName)
    }

    var providerName: String {
        if case .postHog = destination { return "posthog" }
        return "ga4"
    }

    func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
}
