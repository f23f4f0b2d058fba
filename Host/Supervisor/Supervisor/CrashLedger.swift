/// Recent crashes per addon, to quarantine one that crashes its worker `limit` times within
/// `window`.
struct CrashLedger {
    let limit: Int
    let window: Duration
    private var crashes: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// Records a crash of `addon` at `now`.
    /// - Returns: the crashes of `addon` within the window, this one included.
    mutating func record(_ addon: String, at now: ContinuousClock.Instant) -> Int {
        var recent = (crashes[addon] ?? []).filter { now - $0 < window }
        recent.append(now)
        crashes[addon] = recent
        return recent.count
    }

    /// Forgets `addon`'s crashes (once it is quarantined).
    mutating func forget(_ addon: String) {
        crashes[addon] = nil
    }
}
