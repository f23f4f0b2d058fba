import BerthTraffic
import CBerthShared
import Foundation
import Glibc

/// Figures each process of a host holds by itself (open connections, database connections), in a
/// file every process maps: each process owns one record, which it rewrites every second, and a
/// scrape sums the records of the processes still alive and adds their resident memory read from
/// `/proc`. A dead process's record is freed by the next scrape, so a crashed worker's
/// connections do not stay counted.
///
/// `@unchecked Sendable`: the mapping is owned by its ``SharedCounterFile``, every word is touched
/// through atomic operations, and a record is written only by the process that claimed it.
public final class ProcessGauges: @unchecked Sendable {
    /// The figures of one process.
    public struct Figures: Sendable, Equatable {
        /// Connections the HTTP server holds open.
        public var openConnections = 0
        /// Database connections the addons' pools hold open.
        public var databaseConnections = 0
        /// Of those, lent out to a call now.
        public var databaseConnectionsInUse = 0
        /// Calls waiting for a pooled connection.
        public var databaseWaiters = 0
        /// The pools' largest size, summed.
        public var databasePoolCapacity = 0

        /// Figures of zero.
        public init() {}
    }

    static let magic: UInt64 = 0x4245_5254_4850_4731 // "BERTHPG1"
    static let headerWords = 8
    /// pid, then the five figures, then two spare words.
    static let recordWords = 8
    static let records = 256

    private let file: SharedCounterFile
    private let words: UnsafeMutablePointer<UInt64>
    private var own: UnsafeMutablePointer<UInt64>?
    /// The index of this process's record once registered: the `process` label of its in-flight
    /// series.
    public private(set) var ownIndex: Int?

    /// Maps the file at `path` (made if new).
    public init(path: String) throws(TrafficError) {
        file = try SharedCounterFile(path: path, size: (Self.headerWords + Self.records * Self.recordWords) * 8, magic: Self.magic, slots: UInt64(Self.records))
        words = file.base.assumingMemoryBound(to: UInt64.self)
    }

    /// Claims this process's record (a free one, or one of a process that is gone). Call once.
    /// - Returns: false when every record is held by a live process.
    @discardableResult
    public func register() -> Bool {
        let pid = UInt64(getpid())
        for index in 0 ..< Self.records {
            let record = self.record(index)
            var holder = berth_shared_load(record)
            if holder == pid { own = record; ownIndex = index; return true }
            if holder != 0, Self.isAlive(holder) { continue }
            if berth_shared_compare_exchange(record, &holder, pid) == 1 {
                for word in 1 ..< Self.recordWords { berth_shared_store(record + word, 0) }
                own = record
                ownIndex = index
                return true
            }
        }
        return false
    }

    /// Publishes this process's figures (after ``register()``).
    public func publish(_ figures: Figures) {
        guard let own else { return }
        let values = [figures.openConnections, figures.databaseConnections, figures.databaseConnectionsInUse, figures.databaseWaiters, figures.databasePoolCapacity]
        for (offset, value) in values.enumerated() { berth_shared_store(own + 1 + offset, UInt64(max(0, value))) }
    }

    /// The figures of every live process summed, the number of processes, and their resident
    /// memory in bytes. Records of processes that are gone are freed.
    public func total() -> (figures: Figures, processes: Int, residentBytes: Int) {
        var sum = Figures()
        var processes = 0
        var resident = 0
        for index in 0 ..< Self.records {
            let record = self.record(index)
            var holder = berth_shared_load(record)
            guard holder != 0 else { continue }
            guard Self.isAlive(holder) else {
                _ = berth_shared_compare_exchange(record, &holder, 0)
                continue
            }
            processes += 1
            resident += Self.residentBytes(pid: Int32(truncatingIfNeeded: holder)) ?? 0
            func figure(_ offset: Int) -> Int { Int(truncatingIfNeeded: berth_shared_load(record + 1 + offset)) }
            sum.openConnections += figure(0)
            sum.databaseConnections += figure(1)
            sum.databaseConnectionsInUse += figure(2)
            sum.databaseWaiters += figure(3)
            sum.databasePoolCapacity += figure(4)
        }
        return (sum, processes, resident)
    }

    /// Sets this process's share of each addon's in-flight gauge in `table` (addons absent from
    /// `counts` are set to 0). Each process writes its own series, labelled with its record, so a
    /// dead process's share is left out by the next scrape instead of staying counted.
    public func publishInFlight(_ counts: [String: Int], addons: [String], in table: SeriesTable) {
        guard let ownIndex else { return }
        for addon in Set(addons).union(counts.keys) {
            table.set(.httpInFlight, ["addon": addon, "process": String(ownIndex)], to: counts[addon] ?? 0)
        }
    }

    /// Zeroes the in-flight series a process that held this record before left behind.
    public func clearInFlight(in table: SeriesTable) {
        guard let ownIndex else { return }
        for series in table.published() where series.family == MetricFamily.httpInFlight.rawValue && series.labels.hasSuffix(",process=\"\(ownIndex)\"") {
            series.slot.set(0)
        }
    }

    /// Every addon's requests in flight, summed over the live processes' series in `table`.
    public func inFlight(in table: SeriesTable) -> [String: Int] {
        var live = Set<Int>()
        for index in 0 ..< Self.records {
            let holder = berth_shared_load(record(index))
            if holder != 0, Self.isAlive(holder) { live.insert(index) }
        }
        var sums: [String: Int] = [:]
        for series in table.published() where series.family == MetricFamily.httpInFlight.rawValue {
            guard let comma = series.labels.range(of: ",process=\"", options: .backwards),
                  let index = Int(series.labels[comma.upperBound...].dropLast()), live.contains(index) else { continue }
            let addon = String(series.labels[..<comma.lowerBound])
            sums[addon, default: 0] += Int(Int64(bitPattern: series.slot.value))
        }
        return sums
    }

    /// The gauge families of ``total()`` and the in-flight requests of `table`, ready for
    /// ``SeriesTable/render(_:extra:)``.
    public func families(table: SeriesTable) -> [(family: String, help: String, samples: [(labels: String, value: Double)])] {
        let (figures, processes, resident) = total()
        let inFlight = inFlight(in: table).sorted { $0.key < $1.key }.map { (labels: $0.key, value: Double($0.value)) }
        return [
            (MetricFamily.httpInFlight.baseName, MetricFamily.httpInFlight.help, inFlight),
            ("berth_processes", "Processes of the host alive now (the supervisor and its workers).", [("", Double(processes))]),
            ("berth_resident_memory_bytes", "Resident memory of every process of the host, summed.", [("", Double(resident))]),
            ("berth_open_connections", "HTTP connections open now, summed over the workers.", [("", Double(figures.openConnections))]),
            ("berth_database_pool_connections", "Database connections the addons' pools hold, by state, summed over the workers.", [
                ("state=\"in_use\"", Double(figures.databaseConnectionsInUse)),
                ("state=\"idle\"", Double(max(0, figures.databaseConnections - figures.databaseConnectionsInUse))),
            ]),
            ("berth_database_pool_capacity", "The largest number of connections the addons' pools may open, summed.", [("", Double(figures.databasePoolCapacity))]),
            ("berth_database_pool_waiters", "Calls waiting for a pooled database connection now.", [("", Double(figures.databaseWaiters))]),
        ]
    }

    private func record(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        words + Self.headerWords + index * Self.recordWords
    }

    private static func isAlive(_ pid: UInt64) -> Bool {
        guard pid > 0, pid < UInt64(Int32.max) else { return false }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }

    /// The second field of `/proc/<pid>/statm` (resident pages), in bytes.
    static func residentBytes(pid: Int32) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/statm") else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
