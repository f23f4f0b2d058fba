/// Counting events off the request path (crashes, lifecycle operations, provider calls): each call
/// looks its series up by label text, which costs a hash and a probe, not a system call.
extension SeriesTable {
    /// Adds `amount` to the counter of `family` with `labels`.
    public func count(_ family: MetricFamily, _ labels: KeyValuePairs<String, String>, by amount: UInt64 = 1) {
        series(family: family.rawValue, labels: Exposition.labels(labels))?.add(amount)
    }

    /// Counts one observation of `duration` in the histogram of `family` with `labels`.
    public func observe(_ family: MetricFamily, _ labels: KeyValuePairs<String, String>, duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
        series(family: family.rawValue, labels: Exposition.labels(labels))?.observe(nanoseconds: nanoseconds)
    }

    /// Sets the gauge of `family` with `labels` to `value`.
    public func set(_ family: MetricFamily, _ labels: KeyValuePairs<String, String> = [:], to value: Int) {
        series(family: family.rawValue, labels: Exposition.labels(labels))?.set(UInt64(bitPattern: Int64(value)))
    }
}
