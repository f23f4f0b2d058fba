import PluginAPI
import ProviderKit
import Testing

/// SMS, analytics and monitoring requests on the wire, against the local server of
/// tools/scripts/test-servers/saas_wire.py that checks each provider's documented format (the
/// real APIs are not reachable from here).
@Suite(.enabled(if: TestServers.available))
struct SaaSRequestTests {
    func base() throws -> (String, any HTTPClient) {
        let url = try TestServers.value("BERTH_TEST_SAAS_URL")
        return (url, TestServers.httpClient(for: url))
    }

    @Test func eachSMSProviderAcceptsItsDocumentedRequest() async throws {
        let (url, http) = try base()
        let providers: [SMSGateway.Provider] = [
            .twilio(accountSID: "AC" + String(repeating: "a1", count: 16), authToken: "token"),
            .vonage(apiKey: "key", apiSecret: "secret"),
            .messageBird(accessKey: "live_abc"),
            .sns(credentials: AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "secret"), region: "eu-west-1"),
        ]
        var ids = [String: String]()
        for provider in providers {
            let gateway = SMSGateway(provider: provider, defaultSender: "Berth", http: http, baseURL: url)
            let receipt = try await gateway.send(SMSMessage(to: "+4915112345678", body: "Your code is 123456"))
            ids[receipt.provider] = receipt.messageID
        }
        #expect(ids["twilio"]?.hasPrefix("SM") == true)
        #expect(ids["vonage"] == "0A0000000123ABCD1")
        #expect(ids["messagebird"]?.count == 32)
        #expect(ids["sns"] == "567910cd-659e-55d4-8ccb-5aaf14679dc0")
    }

    @Test func aNumberThatIsNotE164IsRefusedByTheFormatCheck() async throws {
        let (url, http) = try base()
        let gateway = SMSGateway(provider: .twilio(accountSID: "AC" + String(repeating: "0", count: 32), authToken: "t"), defaultSender: "+15005550006", http: http, baseURL: url)
        let error = await #expect(throws: ProviderError.self) { _ = try await gateway.send(SMSMessage(to: "015112345678", body: "x")) }
        #expect(error?.message.contains("E.164") == true)
    }

    @Test func postHogAndGA4AcceptEventsAndIdentifies() async throws {
        let (url, http) = try base()
        let postHog = AnalyticsRequests(destination: .postHog(host: url, projectAPIKey: "phc_test123"), http: http)
        try await postHog.send(AnalyticsEvent(name: "signed_up", userID: "u1", properties: ["plan": .string("pro")]))
        try await postHog.identify(userID: "u1", traits: ["email": .string("ada@example.com")])
        let ga4 = AnalyticsRequests(destination: .googleAnalytics4(measurementID: "G-TEST123", apiSecret: "s3cret", baseURL: url), http: http)
        try await ga4.send(AnalyticsEvent(name: "purchase", anonymousID: "555.123", properties: ["value": .number(9.99), "currency": .string("EUR")]))
        try await ga4.identify(userID: "u1", traits: ["tier": .string("gold")])
        #expect(throws: ProviderError.self) { _ = try ga4.request(AnalyticsEvent(name: "page-view", anonymousID: "1")) }
    }

    @Test func aSentryDSNGivesTheEnvelopeEndpointAndAnEventIsAccepted() async throws {
        let dsn = try SentryDSN("https://abc123@o42.ingest.sentry.io/4505")
        #expect(dsn.envelopeURL == "https://o42.ingest.sentry.io/api/4505/envelope/")
        #expect(try SentryDSN("http://k@sentry.example.com:9000/self/hosted/7").envelopeURL == "http://sentry.example.com:9000/self/hosted/api/7/envelope/")
        #expect(throws: ProviderError.self) { try SentryDSN("https://o42.ingest.sentry.io/4505") }
        #expect(throws: ProviderError.self) { try SentryDSN("https://k@host/not-a-number") }
        let (url, http) = try base()
        let local = try SentryDSN(url.replacingOccurrences("http://", "http://publickey@") + "/1")
        let sentry = SentryEnvelope(dsn: local, http: http)
        let id = try await sentry.capture(message: "database unreachable", level: .error, exceptionType: "ConnectionError", context: MonitoringContext(requestID: "r-1", userID: "u1", tags: ["addon": "billing"], breadcrumbs: [Breadcrumb(category: "sql", message: "SELECT 1")]))
        #expect(id.count == 32)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
