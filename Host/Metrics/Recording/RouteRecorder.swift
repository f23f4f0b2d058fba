import CBerthShared

/// Counts the requests of one route (addon, route template, method): a request costs a few atomic
/// additions to shared words, with no lock, allocation or system call.
///
/// The series of each status code is claimed on its first use and its slot remembered in a small
/// table of this recorder, so later requests skip the claim.
///
/// `@unchecked Sendable`: the cache is a buffer this recorder owns, read and written only with
/// atomic operations; the slots live in a table kept for the process's lifetime.
public final class RouteRecorder: @unchecked Sendable {
    private let table: SeriesTable
    private let labels: String
    private let duration: SeriesSlot?
    /// Slot addresses by status code 100…599 (0: not claimed yet).
    private let codes: UnsafeMutablePointer<UInt64>

    /// A recorder for `route` (the template, e.g. `/api/v1/greet/:name`) of `addon`.
    public init(table: SeriesTable, addon: String, route: String, method: String) {
        self.table = table
        labels = Exposition.labels(["addon": addon, "route": route, "method": method])
        duration = table.series(family: MetricFamily.httpRequestDuration.rawValue, labels: labels)
        codes = .allocate(capacity: 500)
        codes.initialize(repeating: 0, count: 500)
    }

    deinit {
        codes.deallocate()
    }

    /// Records one answered request.
    public func record(status: Int, nanoseconds: UInt64) {
        duration?.observe(nanoseconds: nanoseconds)
        guard (100 ... 599).contains(status) else { return }
        let cached = codes + (status - 100)
        let address = berth_shared_load(cached)
        if address != 0, let words = UnsafeMutablePointer<UInt64>(bitPattern: UInt(address)) {
            SeriesSlot(words: words).add()
            return
        }
        guard let slot = table.series(family: MetricFamily.httpRequests.rawValue, labels: labels + ",code=\"\(status)\"") else { return }
        berth_shared_store(cached, UInt64(UInt(bitPattern: slot.words)))
        slot.add()
    }
}
