import Foundation
import Glibc
import Testing
@testable import BerthMetrics

struct ProcessGaugesTests {
    @Test func aScrapeSumsTheLiveProcessesAndForgetsADeadOne() throws {
        let folder = SeriesTableTests.temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let gauges = try ProcessGauges(path: folder + "/processes")
        #expect(gauges.register())
        var figures = ProcessGauges.Figures()
        figures.openConnections = 3
        figures.databaseConnections = 4
        figures.databaseConnectionsInUse = 1
        gauges.publish(figures)

        // A record left by a process that is gone (a pid beyond the kernel's range is never alive).
        let raw = try SharedCounterFileView(path: folder + "/processes")
        raw.writeRecord(index: 5, pid: 4_000_000, openConnections: 50)

        let total = gauges.total()
        #expect(total.figures.openConnections == 3, "the dead process's 50 are left out")
        #expect(total.figures.databaseConnectionsInUse == 1)
        #expect(total.processes == 1)
        #expect(total.residentBytes > 0)
        #expect(raw.pid(index: 5) == 0, "the dead process's record is freed")
    }

    @Test func inFlightRequestsAreSummedOverLiveProcessesOnly() throws {
        let folder = SeriesTableTests.temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = try SeriesTable(path: folder + "/metrics", capacity: 64)
        let gauges = try ProcessGauges(path: folder + "/processes")
        gauges.register()
        gauges.publishInFlight(["shop": 2], addons: ["shop", "idle"], in: table)
        // The series a process in record 9 (not alive) left behind.
        table.set(.httpInFlight, ["addon": "shop", "process": "9"], to: 7)
        #expect(gauges.inFlight(in: table) == [#"addon="shop""#: 2, #"addon="idle""#: 0])
        let text = table.render(.prometheus, extra: gauges.families(table: table))
        #expect(text.contains(#"berth_http_requests_in_flight{addon="shop"} 2"#))
        #expect(!text.contains("process="), "the per-process series are summed, never shown")
        #expect(text.contains("berth_open_connections 0"))
    }
}

/// Writes a record the way another process would.
struct SharedCounterFileView {
    let words: UnsafeMutablePointer<UInt64>
    let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_RDWR)
        let size = (ProcessGauges.headerWords + ProcessGauges.records * ProcessGauges.recordWords) * 8
        words = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0).assumingMemoryBound(to: UInt64.self)
    }

    func writeRecord(index: Int, pid: UInt64, openConnections: UInt64) {
        let record = words + ProcessGauges.headerWords + index * ProcessGauges.recordWords
        record[1] = openConnections
        record[0] = pid
    }

    func pid(index: Int) -> UInt64 {
        words[ProcessGauges.headerWords + index * ProcessGauges.recordWords]
    }
}
