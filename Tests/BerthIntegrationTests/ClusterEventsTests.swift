import BerthTestSupport
import Foundation
import Testing

/// In a cluster of three nodes on one PostgreSQL, a durable subscriber handles each event once,
/// whichever node published it and whichever node's worker claimed it.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct ClusterEventsTests {
    @Test func eachEventPublishedOnAnyNodeIsHandledOnceBySubscriber() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let (subscriber, publisher) = (cluster.database.id("listener") + "_p0", cluster.database.id("publisher"))
        for id in [subscriber, publisher] {
            let package = try cluster.first.packages.fixture(id: id, version: "1.0.0", migrations: DurableEventsTests.migrations, dialects: ["postgres"], product: "FixtureEventsAddon")
            #expect(try cluster.first.uploadAndInstall(package, id: id).status == 201)
        }
        for node in 1 ... 3 {
            try pollUntil("node \(node) serves both addons", timeout: 40) {
                try cluster.node(node).anonymous.send("GET", "/api/v1/\(subscriber)/handled").status == 200
                    && cluster.node(node).anonymous.send("GET", "/api/v1/\(publisher)/handled").status == 200
            }
        }
        for round in 0 ..< 30 {
            let node = cluster.node(round % 3 + 1)
            #expect(try node.anonymous.send("POST", "/api/v1/\(publisher)/publish?name=fixture.round").status == 202)
        }
        try pollUntil("thirty events were handled", timeout: 60) { try DurableEventsTests.handled(cluster.node(2).anonymous, subscriber).count >= 30 }
        let handled = try DurableEventsTests.handled(cluster.node(3).anonymous, subscriber)
        let ids = handled.compactMap { $0["id"] as? String }
        #expect(ids.count == 30 && Set(ids).count == 30, "an event was handled twice or lost: \(ids)")
        #expect(handled.allSatisfy { $0["source"] as? String == publisher }, "\(handled)")
        print("cluster events handled in processes \(Set(handled.compactMap { $0["pid"] as? Double }))")
    }
}
