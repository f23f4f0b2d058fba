import BerthTestSupport
import Foundation
import Testing

/// The `analytics_gateways` (PostHog, GA4) and `sentry` provider addons in the fan-out slots,
/// against the suite's local server that checks each API's documented request format (the real
/// APIs are not reachable from here): accepted deliveries leave no failure, a refused one is
/// reported under its provider while the others still deliver.
@Suite(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
struct AnalyticsMonitoringAddonTests {
    @Test func postHogGA4AndSentryDeliverInTheirDocumentedFormatAndARefusalIsReportedPerProvider() throws {
        let saasURL = try ProviderAddons.server("BERTH_TEST_SAAS_URL")
        let saasPort = try ProviderAddons.port(of: "BERTH_TEST_SAAS_URL")
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWT_SECRET": TestTokens.secret])
        defer { host.close() }
        try ProviderAddons.install("analytics_gateways", product: "AnalyticsGateways", extraPermissions: ["network:127.0.0.1:\(saasPort)"], config: [
            "posthogHost": saasURL, "posthogProjectApiKey": "phc_berthtestkey", "ga4Base": saasURL, "ga4MeasurementId": "G-BERTH123", "ga4ApiSecret": "ga4-secret",
        ], in: host)
        try ProviderAddons.install("sentry", product: "SentryProvider", extraPermissions: ["network:127.0.0.1:\(saasPort)"], config: [
            "dsn": "http://berthpublickey@127.0.0.1:\(saasPort)/42",
        ], in: host)
        try ProviderAddons.installSlotsFixture(host, permissions: ["analytics"])
        let admin = host.berth.admin
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/analytics", ["provider": "internal,posthog,ga4"]).status == 200)
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/monitoring", ["provider": "console,sentry"]).status == 200)

        #expect(try host.berth.anonymous.send("POST", "/api/v1/slots/track/signup_completed").status == 200)
        for name in ["internal", "posthog", "ga4"] {
            let member = try ProviderAddons.member(name, of: "analytics", in: host)
            #expect(member["lastFailure"] == nil || member["lastFailure"] is NSNull, "\(name) delivered: \(member)")
            #expect(member["health"] as? String == "ok", "\(member)")
        }
        let token = TestTokens.hs256(["sub": "ops", "roles": ["admin"]])
        #expect(try host.berth.anonymous.send("POST", "/api/v1/sentry/test").status == 401, "the test capture needs a signed-in admin")
        let captured = try HTTPTestClient(port: host.berth.port, token: token).send("POST", "/api/v1/sentry/test")
        #expect(captured.status == 200, "\(captured.text)")
        let sentry = try ProviderAddons.member("sentry", of: "monitoring", in: host)
        #expect(sentry["suppliedBy"] as? String == "sentry")
        #expect(sentry["lastFailure"] == nil || sentry["lastFailure"] is NSNull, "the envelope was accepted: \(sentry)")

        // PostHog keys start with phc_: the format server refuses this one; GA4 still delivers.
        #expect(try admin.sendJSON("PATCH", "/api/v1/addons/analytics_gateways/config", ["posthogProjectApiKey": "wrong-key"]).status == 200)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/slots/track/plan_upgraded").status == 200, "a fan-out failure does not fail the caller")
        let posthog = try ProviderAddons.member("posthog", of: "analytics", in: host)
        #expect((posthog["lastFailure"] as? String)?.contains("400") == true, "\(posthog)")
        let ga4 = try ProviderAddons.member("ga4", of: "analytics", in: host)
        #expect(ga4["lastFailure"] == nil || ga4["lastFailure"] is NSNull, "\(ga4)")

        #expect(try admin.sendJSON("PUT", "/api/v1/providers/analytics", ["provider": "internal"]).status == 200)
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/monitoring", ["provider": "console"]).status == 200)
        for id in ["slots", "analytics_gateways", "sentry"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
    }
}
