import BerthTestSupport
import Foundation
import Testing

/// Durable events through the real `berth` with two workers: each subscribing addon handles each
/// event once whichever worker published it, higher priorities first, failures are retried, and
/// deliveries that run out of attempts are dead letters the admin can read. On SQLite and PostgreSQL.
struct DurableEventsTests {
    static let migrations: [(id: String, up: String, down: String)] = [
        ("0001_events", "CREATE TABLE handled (event_id TEXT, name TEXT, source TEXT, published_ms BIGINT, pid INTEGER); CREATE TABLE attempts (event_id TEXT);",
         "DROP TABLE attempts; DROP TABLE handled;"),
    ]

    static func handled(_ client: HTTPTestClient, _ id: String) throws -> [[String: Any]] {
        let reply = try client.send("GET", "/api/v1/\(id)/handled")
        return reply.status == 200 ? reply.json["handled"] as? [[String: Any]] ?? [] : []
    }

    @Test(arguments: UninstallAcrossWorkersTests.Database.allCases)
    func eachSubscriberHandlesEachEventOnceInPriorityOrderWithRetriesAndDeadLetters(_ database: UninstallAcrossWorkersTests.Database) throws {
        guard let traced = try TracedHost.open(database, traceVariable: "FIXTURE_EVENT_TRACE", label: "berth-events-trace") else { return }
        defer { traced.close() }
        let (host, lines) = (traced.host, traced.lines)
        let (first, second, publisher) = (traced.id("first"), traced.id("second"), traced.id("publisher"))
        let (high, low) = (first + "_p10", second + "_p1")
        for id in [high, low, publisher] {
            try host.uploadAndInstall(try host.packages.fixture(id: id, version: "1.0.0", migrations: Self.migrations, dialects: [database.rawValue], product: "FixtureEventsAddon"), id: id)
        }

        // Twenty events, published by whichever worker takes each request.
        for _ in 0 ..< 20 {
            #expect(try HTTPTestClient(port: host.berth.port).send("POST", "/api/v1/\(publisher)/publish?name=fixture.note").status == 202)
        }
        try pollUntil("both subscribers handled twenty events", timeout: 40) {
            try Self.handled(host.anonymous, high).count >= 20 && Self.handled(host.anonymous, low).count >= 20
        }
        for subscriber in [high, low] {
            let handled = try Self.handled(host.anonymous, subscriber)
            let ids = handled.compactMap { $0["id"] as? String }
            #expect(ids.count == 20 && Set(ids).count == 20, "\(subscriber) handled an event twice or missed one: \(ids)")
            #expect(handled.allSatisfy { $0["source"] as? String == publisher && ($0["published"] as? Double ?? 0) > 0 }, "\(handled)")
            print("\(subscriber) handled in processes \(Set(handled.compactMap { $0["pid"] as? Double }))")
        }
        // Priority: the subscriber of priority 10 handled each event before the one of priority 1.
        let order = lines()
        for id in try Self.handled(host.anonymous, low).compactMap({ $0["id"] as? String }) {
            let higher = order.firstIndex(of: "handled \(high) \(id)"), lower = order.firstIndex(of: "handled \(low) \(id)")
            #expect(higher != nil && lower != nil && higher! < lower!, "event \(id) reached priority 1 first: \(order)")
        }

        // A handler that fails once gets the event again; one that always fails ends as a dead letter.
        #expect(try host.anonymous.send("POST", "/api/v1/\(publisher)/publish?name=fixture.retry&fail=1").status == 202)
        #expect(try host.anonymous.send("POST", "/api/v1/\(publisher)/publish?name=fixture.poison&fail=99").status == 202)
        try pollUntil("the retried event was handled by both", timeout: 40) {
            try Self.handled(host.anonymous, low).contains { $0["name"] as? String == "fixture.retry" }
        }
        #expect(try Self.handled(host.anonymous, high).filter { $0["name"] as? String == "fixture.retry" }.count == 1)
        var dead: [[String: Any]] = []
        try pollUntil("the poison event is a dead letter of both subscribers", timeout: 40) {
            dead = try host.admin.send("GET", "/api/v1/events/dead").json["dead"] as? [[String: Any]] ?? []
            return dead.count >= 2
        }
        #expect(Set(dead.compactMap { $0["addon"] as? String }) == [high, low], "\(dead)")
        for letter in dead {
            let event = letter["event"] as? [String: Any]
            #expect(event?["name"] as? String == "fixture.poison" && event?["source"] as? String == publisher && (event?["id"] as? String)?.isEmpty == false, "\(letter)")
            #expect(letter["attempts"] as? Int == 3 && (letter["lastError"] as? String)?.contains("failed_on_purpose") == true, "\(letter)")
        }
        #expect(try host.admin.send("GET", "/api/v1/events/dead?limit=zero").status == 400)
        #expect(try host.anonymous.send("GET", "/api/v1/events/dead").status == 401)

        // Uninstalled, a subscriber leaves no subscription, delivery or dead letter behind.
        let removed = try host.admin.send("DELETE", "/api/v1/marketplace/uninstall/\(low)")
        #expect(removed.status == 200 && removed.json["residue"] as? [String] == [], "\(removed.text)")
        let left = try host.admin.send("GET", "/api/v1/events/dead").json["dead"] as? [[String: Any]] ?? []
        #expect(left.allSatisfy { $0["addon"] as? String == high }, "\(left)")
    }
}
