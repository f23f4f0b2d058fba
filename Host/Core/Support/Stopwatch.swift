/// Times the steps of one operation, in milliseconds, for the admin API's answers and benchmarks.
struct Stopwatch {
    private var last = ContinuousClock.now
    private let start = ContinuousClock.now
    private(set) var laps: [String: Double] = [:]

    /// Records the time since the previous lap under `step`.
    mutating func lap(_ step: String) {
        let now = ContinuousClock.now
        laps[step, default: 0] += Self.milliseconds(last.duration(to: now))
        last = now
    }

    /// Every lap, plus `total`.
    var report: [String: Double] {
        var report = laps
        report["total"] = Self.milliseconds(start.duration(to: ContinuousClock.now))
        return report
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 3)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        var factor = 1.0
        for _ in 0 ..< places { factor *= 10 }
        return (self * factor).rounded() / factor
    }
}
