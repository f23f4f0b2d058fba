import BerthTestSupport
import Foundation
import Testing

/// The superuser's connection string and the admin token never sit in the environment of a
/// process that loads addons: `berth serve` takes them out of its own (getenv and
/// `/proc/<pid>/environ` alike) and hands them to its workers through a pipe, and the workers
/// still serve the admin API and the addons' data.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresCredentialsTests {
    /// `/proc/<pid>/environ` as text, NULs kept.
    func environment(of pid: Int32) -> String {
        String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data(), as: UTF8.self)
    }

    func password(of url: String) -> String {
        let credentials = url.split(separator: "@").first.map { $0.split(separator: "/").last ?? "" } ?? ""
        return String(credentials.split(separator: ":").last ?? "")
    }

    @Test func workersGetTheSecretsThroughAPipeAndNoProcessThatLoadsAddonsHasThemInItsEnvironment() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let secret = password(of: database.url)
        #expect(secret.count >= 8, "the test server's URL has a password")

        let host = try SupervisedHost(workers: 2, environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let hostile = database.id("hostile")
        try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 2 }
        #expect(try host.anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array("SELECT 1".utf8)).status == 200, "the workers reach the database")
        #expect(try host.admin.send("GET", "/api/v1/addons").status == 200, "the workers know the admin token")

        for pid in [host.berth.pid] + host.workerPIDs().sorted() {
            let text = environment(of: pid)
            #expect(!text.isEmpty, "process \(pid) has an environment")
            #expect(!text.contains("BERTH_DATABASE_URL"), "process \(pid)")
            #expect(!text.contains("BERTH_ADMIN_TOKEN"), "process \(pid)")
            #expect(!text.contains(secret), "process \(pid) holds the database password in its environment")
            #expect(!text.contains(host.berth.token), "process \(pid) holds the admin token in its environment")
        }
    }

    @Test func aSingleProcessHostDropsTheSecretsFromItsEnvironmentAndStillServes() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let secret = password(of: database.url)
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let hostile = database.id("hostile")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array("SELECT 1".utf8)).status == 200)
        let text = environment(of: host.berth.pid)
        #expect(!text.isEmpty)
        #expect(!text.contains("BERTH_DATABASE_URL"))
        #expect(!text.contains(secret))
        #expect(!text.contains(host.berth.token))
    }
}
