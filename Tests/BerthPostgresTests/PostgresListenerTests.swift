import BerthStorage
import Foundation
import PluginAPI
import Synchronization
import Testing

/// The dedicated LISTEN connection cluster nodes wake on: notifications arrive on its thread,
/// and a lost connection comes back, announced as a new `listening`.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresListenerTests {
    /// Events seen so far, in order.
    final class Recorder: Sendable {
        let events = Mutex<[String]>([])

        func record(_ event: PostgresListener.Event) {
            let text = switch event {
            case .listening: "listening"
            case .notification(let payload): "notification " + payload
            case .failed: "failed"
            }
            events.withLock { $0.append(text) }
        }

        /// Waits up to 5 s for `predicate` to hold over the events.
        func wait(_ predicate: ([String]) -> Bool) async throws -> Bool {
            for _ in 0 ..< 250 {
                if events.withLock({ predicate($0) }) { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return false
        }
    }

    @Test func notificationsOnTheChannelArriveWithTheirPayloadAndOthersDoNot() async throws {
        let channel = PostgresTestServer.uniqueID("channel")
        let recorder = Recorder()
        let listener = PostgresListener(url: try PostgresTestServer.url(), channel: channel) { recorder.record($0) }
        listener.start()
        #expect(try await recorder.wait { $0.contains("listening") })

        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        try admin.execute("SELECT pg_notify($1, $2)", [.text(channel + "_other"), .text("elsewhere")])
        try admin.execute("SELECT pg_notify($1, $2)", [.text(channel), .text("first")])
        try admin.executeScript("BEGIN; SELECT pg_notify('\(channel)', 'second'); COMMIT")
        #expect(try await recorder.wait { $0.contains("notification second") })
        #expect(recorder.events.withLock { $0 } == ["listening", "notification first", "notification second"])
        await listener.stop()
    }

    @Test func aTerminatedConnectionIsReopenedAndListensAgain() async throws {
        let channel = PostgresTestServer.uniqueID("channel")
        let recorder = Recorder()
        let listener = PostgresListener(url: try PostgresTestServer.url(), channel: channel, retryDelay: .milliseconds(100)) { recorder.record($0) }
        listener.start()
        #expect(try await recorder.wait { $0.contains("listening") })

        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [.text("LISTEN \"\(channel)\"")])
        #expect(try await recorder.wait { $0.filter { $0 == "listening" }.count == 2 }, "\(recorder.events.withLock { $0 })")
        #expect(recorder.events.withLock { $0 }.contains("failed"))
        try admin.execute("SELECT pg_notify($1, $2)", [.text(channel), .text("after")])
        #expect(try await recorder.wait { $0.contains("notification after") })
        await listener.stop()
    }

    @Test func stoppingEndsTheSessionPromptlyRatherThanAtTheNextPollTimeout() async throws {
        let channel = PostgresTestServer.uniqueID("channel")
        let recorder = Recorder()
        let listener = PostgresListener(url: try PostgresTestServer.url(), channel: channel) { recorder.record($0) }
        listener.start()
        #expect(try await recorder.wait { $0.contains("listening") })
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        let sessions = "SELECT count(*) AS c FROM pg_stat_activity WHERE query = $1"
        #expect(try admin.query(sessions, [.text("LISTEN \"\(channel)\"")]).first?["c"] == .integer(1))
        let clock = ContinuousClock()
        let took = await clock.measure { await listener.stop() }
        // Generous for a loaded machine; a stop that waited for the connection to time out would take far longer.
        #expect(took < .seconds(3))
        var gone = false
        for _ in 0 ..< 50 where !gone {
            gone = try admin.query(sessions, [.text("LISTEN \"\(channel)\"")]).first?["c"] == .integer(0)
            if !gone { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(gone)
    }
}
