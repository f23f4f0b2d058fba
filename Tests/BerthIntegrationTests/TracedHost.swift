import BerthTestSupport
import Foundation

/// A two-worker host for the job and event tests, on SQLite or on the suite's PostgreSQL, whose
/// fixture addons append what they do to a trace file (see `appendTrace` in FixtureIdentity).
final class TracedHost {
    let host: SupervisedHost
    /// The trace file, named to the fixtures by the environment variable given to ``open(_:traceVariable:label:)``.
    let trace: String
    private let folder: TemporaryDirectory
    private let postgres: PostgresTestDatabase?

    private init(host: SupervisedHost, trace: String, folder: TemporaryDirectory, postgres: PostgresTestDatabase?) {
        (self.host, self.trace, self.folder, self.postgres) = (host, trace, folder, postgres)
    }

    /// Starts the host with the trace file's path in `traceVariable`; nil on PostgreSQL where the
    /// suite has no server (the test then does nothing).
    static func open(_ database: UninstallAcrossWorkersTests.Database, traceVariable: String, label: String) throws -> TracedHost? {
        var postgres: PostgresTestDatabase?
        if database == .postgres {
            guard PostgresTestDatabase.shouldRun else { return nil }
            postgres = try PostgresTestDatabase()
        }
        let folder: TemporaryDirectory
        do { folder = try TemporaryDirectory(label) } catch { postgres?.drop(); throw error }
        let trace = folder.appending("trace.log")
        var environment = [traceVariable: trace]
        if let postgres { environment["BERTH_DATABASE_URL"] = postgres.url }
        do {
            return TracedHost(host: try SupervisedHost(workers: 2, environment: environment), trace: trace, folder: folder, postgres: postgres)
        } catch {
            folder.remove()
            postgres?.drop()
            throw error
        }
    }

    /// `name` as an addon id: on PostgreSQL one of the test database's own, since roles are the
    /// server's, not the database's.
    func id(_ name: String) -> String {
        postgres.map { $0.id(name) } ?? name
    }

    /// The trace's lines so far.
    func lines() -> [String] {
        (String(data: FileManager.default.contents(atPath: trace) ?? Data(), encoding: .utf8) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops the host, then drops the database and removes the trace.
    func close() {
        host.close()
        postgres?.drop()
        folder.remove()
    }
}
