import BerthTestSupport
import Foundation
import Glibc
import Testing

/// A real Prometheus (Debian's `prometheus`, installed by `make test`) scraping the host's
/// `/metrics` on loopback with the scraper token.
struct PrometheusScrapeTests {
    static let binary = "/usr/bin/prometheus"
    static var shouldRun: Bool {
        FileManager.default.isExecutableFile(atPath: binary) || ProcessInfo.processInfo.environment["BERTH_REQUIRE_PROMETHEUS"] != nil
    }

    @Test(.enabled(if: PrometheusScrapeTests.shouldRun, "install Debian's prometheus (make test does) to run the scrape test"))
    func prometheusScrapesTheHostAndCountsTheGreetersRequests() throws {
        let host = try IntegrationHost(environment: ["BERTH_METRICS_TOKEN": "scraper-token"])
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        for _ in 0 ..< 9 { #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").status == 200) }

        let folder = try TemporaryDirectory("berth-prometheus")
        defer { folder.remove() }
        let config = """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: berth
            metrics_path: /metrics
            authorization:
              credentials: scraper-token
            static_configs:
              - targets: ['127.0.0.1:\(host.berth.port)']
        """
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder.appending("prometheus.yml")))
        let port = try BerthProcess.freePort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: Self.binary)
        prometheus.arguments = ["--config.file=\(folder.appending("prometheus.yml"))", "--storage.tsdb.path=\(folder.appending("data"))",
                                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        // Foundation starts children with SIGTERM blocked: end it for sure.
        defer {
            kill(prometheus.processIdentifier, SIGKILL)
            while prometheus.isRunning { usleep(10_000) }
        }

        let api = HTTPTestClient(port: port)
        func value(of query: String) -> String? {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            guard let reply = try? api.send("GET", "/api/v1/query?query=\(encoded)", timeout: 2), reply.status == 200,
                  let data = reply.json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
                  let sample = result.first?["value"] as? [Any] else { return nil }
            return sample.last as? String
        }
        _ = try pollUntil("Prometheus scrapes the host", timeout: 60) { value(of: #"up{job="berth"}"#) == "1" }
        let count = #"berth_http_requests_total{addon="greeter",route="/api/v1/greet/hello",method="GET",code="200"}"#
        _ = try pollUntil("Prometheus has the greeter's 9 requests", timeout: 30) { value(of: count) == "9" }
        #expect(value(of: count) == "9")
        // Families beyond the request counts: the install counted as a lifecycle operation, and
        // the process gauges summed at scrape.
        let installs = #"berth_lifecycle_operations_total{kind="install",result="ok"}"#
        _ = try pollUntil("Prometheus has the install", timeout: 30) { value(of: installs) == "1" }
        #expect(value(of: "berth_workers") == "1")
        #expect(Double(value(of: "berth_resident_memory_bytes") ?? "0") ?? 0 > 0)
    }
}
