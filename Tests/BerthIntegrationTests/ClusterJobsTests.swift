import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// In a cluster of three nodes on one PostgreSQL, a job runs once per due time, whichever node's
/// loop claims it first.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct ClusterJobsTests {
    @Test func aJobDueEveryTwoSecondsRunsExactlyOncePerDueTimeAcrossThreeNodes() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let id = cluster.database.id("ticker")
        let package = try ScheduledJobsTests.package(cluster.first.packages, id: id, jobs: [JobDeclaration(name: "tick", schedule: "*/2 * * * * *")], dialect: "postgres")
        #expect(try cluster.first.uploadAndInstall(package, id: id).status == 201)
        for node in 1 ... 3 {
            try pollUntil("node \(node) serves the addon", timeout: 40) { try cluster.node(node).anonymous.send("GET", "/api/v1/\(id)/ticks").status == 200 }
        }
        let allServing = Int64(Date().timeIntervalSince1970 * 1000)
        try pollUntil("six due times ran with every node serving", timeout: 60) {
            Set(try ScheduledJobsTests.ticks(cluster.node(2).anonymous, id).map(\.scheduled).filter { $0 > allServing }).count >= 6
        }
        let ticks = try ScheduledJobsTests.ticks(cluster.node(3).anonymous, id)
        let byDueTime = Dictionary(grouping: ticks, by: \.scheduled)
        #expect(byDueTime.values.allSatisfy { $0.count == 1 }, "a due time ran more than once: \(ticks)")

        // Every node lists the same runs, recorded by whichever node ran them.
        let listed = ScheduledJobsTests.runs(try ScheduledJobsTests.jobs(cluster.node(1).admin, id)["tick"])
        let workers = Set(listed.compactMap { $0["worker"] as? String })
        print("cluster job runs by worker: \(workers)")
        #expect(listed.contains { $0["result"] as? String == "succeeded" }, "\(listed)")
        #expect(workers.allSatisfy { $0.hasPrefix("node") }, "\(workers)")
    }
}
