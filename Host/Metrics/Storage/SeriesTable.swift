import BerthTraffic
import CBerthShared
import Glibc

/// Counters and histograms of labelled series, in a file mapped by every process of a host, so a
/// scrape of any worker sees the whole host and counts survive a generation roll.
///
/// A series is claimed once (its labels written into a free slot with a compare-and-swap of the
/// slot's key); after that, recording is a few atomic additions to its words. The table holds
/// ``capacity`` series; once it is full, new series are counted in ``overflowed`` and dropped, which
/// the exposition reports as `berth_metrics_series_dropped_total`.
///
/// `@unchecked Sendable`: the mapping is owned by its ``SharedCounterFile`` and every word in it is
/// read and written through atomic operations (labels are written before the slot is published).
public final class SeriesTable: @unchecked Sendable {
    /// Upper bounds (seconds) of the duration histogram buckets; `+Inf` is the count.
    /// (``SeriesSlot`` finds a duration's bucket with the same bounds in nanoseconds.)
    public static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// How many bounded buckets a histogram has.
    static let bucketCount = 14

    static let magic: UInt64 = 0x4245_5254_484D_5431 // "BERTHMT1"
    static let headerWords = 8
    /// Words of one slot: key, state (0 free, 1 claimed, 2 published), label length, value, sum in
    /// nanoseconds, the buckets, then the label bytes.
    static let labelBytes = 256
    static let fixedWords = 5 + bucketCount
    static let slotWords = fixedWords + labelBytes / 8

    let file: SharedCounterFile
    let words: UnsafeMutablePointer<UInt64>
    /// How many series the table holds.
    public let capacity: Int

    /// Maps the table at `path`, creating it for `capacity` series (a power of two) if new.
    public init(path: String, capacity: Int = 4096) throws(TrafficError) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        let size = (Self.headerWords + capacity * Self.slotWords) * 8
        file = try SharedCounterFile(path: path, size: size, magic: Self.magic, slots: UInt64(capacity))
        words = file.base.assumingMemoryBound(to: UInt64.self)
        self.capacity = capacity
    }

    /// Series that could not be claimed because the table was full.
    public var overflowed: UInt64 { berth_shared_load(words + 3) }

    /// The slot of the series with `labels` (Prometheus label text, e.g.
    /// `addon="greeter",route="/hello"`) of metric family `family`, claiming one if new; nil when the
    /// table is full or the labels do not fit.
    public func series(family: UInt8, labels: String) -> SeriesSlot? {
        let bytes = Array(labels.utf8)
        guard bytes.count <= Self.labelBytes else { return nil }
        let key = Self.hash(family: family, bytes)
        for probe in 0 ..< capacity {
            let index = (Int(truncatingIfNeeded: key) &+ probe) & (capacity - 1)
            let slot = words + Self.headerWords + index * Self.slotWords
            var holder = berth_shared_load(slot)
            if holder == key {
                // Another process may still be writing the labels: wait for it to publish.
                while berth_shared_load(slot + 1) != 2 { sched_yield() }
                return SeriesSlot(words: slot)
            }
            if holder == 0 {
                guard berth_shared_compare_exchange(slot, &holder, key) == 1 else {
                    if holder == key {
                        while berth_shared_load(slot + 1) != 2 { sched_yield() }
                        return SeriesSlot(words: slot)
                    }
                    continue
                }
                let text = UnsafeMutableRawPointer(slot + Self.fixedWords)
                bytes.withUnsafeBytes { text.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                berth_shared_store(slot + 2, UInt64(bytes.count) | UInt64(family) << 56)
                berth_shared_store(slot + 1, 2)
                return SeriesSlot(words: slot)
            }
        }
        _ = berth_shared_add(words + 3, 1)
        return nil
    }

    /// Every published series: its family, labels and slot.
    func published() -> [(family: UInt8, labels: String, slot: SeriesSlot)] {
        var found: [(UInt8, String, SeriesSlot)] = []
        for index in 0 ..< capacity {
            let slot = words + Self.headerWords + index * Self.slotWords
            guard berth_shared_load(slot) != 0, berth_shared_load(slot + 1) == 2 else { continue }
            let meta = berth_shared_load(slot + 2)
            let length = Int(meta & 0xFFFF)
            let text = UnsafeRawBufferPointer(start: UnsafeRawPointer(slot + Self.fixedWords), count: length)
            found.append((UInt8(truncatingIfNeeded: meta >> 56), String(decoding: text, as: UTF8.self), SeriesSlot(words: slot)))
        }
        return found
    }

    /// The family is the seed: the same labels in two families are two series.
    private static func hash(family: UInt8, _ bytes: [UInt8]) -> UInt64 {
        SharedKeyHash.hash(seed: UInt64(family), bytes)
    }
}
