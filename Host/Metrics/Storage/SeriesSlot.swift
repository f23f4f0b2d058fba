import CBerthShared

/// One series' words in a ``SeriesTable``: a value (a counter or a gauge) and, for histograms, the
/// sum and the buckets. Copies refer to the same shared words.
///
/// `@unchecked Sendable`: it points into a mapping its table keeps alive for the process's
/// lifetime, and touches it only with atomic operations.
public struct SeriesSlot: @unchecked Sendable {
    let words: UnsafeMutablePointer<UInt64>

    /// Adds `amount` to the value.
    public func add(_ amount: UInt64 = 1) {
        Self.add(words + 3, amount)
    }

    /// Subtracts `amount` from the value (gauges).
    public func subtract(_ amount: UInt64 = 1) {
        Self.add(words + 3, 0 &- amount)
    }

    /// Sets the value (gauges).
    public func set(_ value: UInt64) {
        berth_shared_store(words + 3, value)
    }

    /// Counts one observation of `nanoseconds` into the value, the sum and its bucket.
    public func observe(nanoseconds: UInt64) {
        Self.add(words + 3, 1)
        Self.add(words + 4, nanoseconds)
        let bucket = Self.bucket(nanoseconds: nanoseconds)
        if bucket < SeriesTable.bucketCount { Self.add(words + 5 + bucket, 1) }
    }

    /// The index in ``SeriesTable/bucketBounds`` of the first bound at or above `nanoseconds`
    /// (``SeriesTable/bucketCount`` past the last): comparisons of integers, no array or floating
    /// point on the request path.
    @inline(__always)
    static func bucket(nanoseconds: UInt64) -> Int {
        switch nanoseconds {
        case ...500_000: 0
        case ...1_000_000: 1
        case ...2_500_000: 2
        case ...5_000_000: 3
        case ...10_000_000: 4
        case ...25_000_000: 5
        case ...50_000_000: 6
        case ...100_000_000: 7
        case ...250_000_000: 8
        case ...500_000_000: 9
        case ...1_000_000_000: 10
        case ...2_500_000_000: 11
        case ...5_000_000_000: 12
        case ...10_000_000_000: 13
        default: 14
        }
    }

    /// The value.
    public var value: UInt64 { berth_shared_load(words + 3) }
    /// The histogram's sum, in nanoseconds.
    var sumNanoseconds: UInt64 { berth_shared_load(words + 4) }
    /// The count in each bucket (not cumulative).
    var buckets: [UInt64] { (0 ..< SeriesTable.bucketBounds.count).map { berth_shared_load(words + 5 + $0) } }

    private static func add(_ word: UnsafeMutablePointer<UInt64>, _ amount: UInt64) {
        _ = berth_shared_add(word, amount)
    }
}
