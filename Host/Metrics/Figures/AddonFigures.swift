/// One addon's request figures, cumulative since the host started (or, as a difference of two
/// readings, over a window): what `GET /api/v1/addons/{id}/metrics` and the health score read.
public struct AddonFigures: Codable, Sendable, Equatable {
    /// Requests answered, refusals before the handler included.
    public var requests: UInt64 = 0
    /// Of those, answered 5xx.
    public var serverErrors: UInt64 = 0
    /// Handler crashes (answered 502 by the crash guard).
    public var crashes: UInt64 = 0
    /// Handlers past their deadline (answered 504).
    public var timeouts: UInt64 = 0
    /// Requests timed by the duration histogram.
    public var timed: UInt64 = 0
    /// Their total duration, in nanoseconds.
    public var durationNanoseconds: UInt64 = 0
    /// The histogram's counts per bucket of ``SeriesTable/bucketBounds``, not cumulative, plus one
    /// last bucket past the largest bound.
    public var buckets: [UInt64] = Array(repeating: 0, count: SeriesTable.bucketCount + 1)

    /// Figures of zero.
    public init() {}

    /// The figures of the window between `earlier` and these (counts never go back; a reading
    /// from before a restart is treated as zero).
    public func since(_ earlier: AddonFigures) -> AddonFigures {
        guard earlier.requests <= requests, earlier.timed <= timed else { return self }
        var window = AddonFigures()
        window.requests = requests - earlier.requests
        window.serverErrors = serverErrors &- min(serverErrors, earlier.serverErrors)
        window.crashes = crashes &- min(crashes, earlier.crashes)
        window.timeouts = timeouts &- min(timeouts, earlier.timeouts)
        window.timed = timed - earlier.timed
        window.durationNanoseconds = durationNanoseconds &- min(durationNanoseconds, earlier.durationNanoseconds)
        window.buckets = zip(buckets, earlier.buckets.count == buckets.count ? earlier.buckets : Array(repeating: 0, count: buckets.count)).map { $0 &- min($0, $1) }
        return window
    }

    /// The share of requests answered 5xx (0 without requests).
    public var errorRate: Double {
        requests == 0 ? 0 : Double(serverErrors) / Double(requests)
    }

    /// The mean duration in seconds, nil without timed requests.
    public var meanSeconds: Double? {
        timed == 0 ? nil : Double(durationNanoseconds) / Double(timed) / 1e9
    }

    /// The `quantile` (0…1) of the durations in seconds, interpolated linearly inside its bucket
    /// as Prometheus' `histogram_quantile` does; nil without timed requests. Past the largest
    /// bound, the largest bound.
    public func quantileSeconds(_ quantile: Double) -> Double? {
        guard timed > 0 else { return nil }
        let rank = quantile * Double(timed)
        var below: UInt64 = 0
        for (index, count) in buckets.enumerated() {
            guard count > 0, Double(below + count) >= rank else { below += count; continue }
            guard index < SeriesTable.bucketBounds.count else { return SeriesTable.bucketBounds.last }
            let lower = index == 0 ? 0 : SeriesTable.bucketBounds[index - 1]
            let upper = SeriesTable.bucketBounds[index]
            return lower + (upper - lower) * max(0, rank - Double(below)) / Double(count)
        }
        return SeriesTable.bucketBounds.last
    }
}

extension SeriesTable {
    /// Every addon's cumulative figures, from the series of the whole host.
    public func addonFigures() -> [String: AddonFigures] {
        var figures: [String: AddonFigures] = [:]
        for series in published() {
            guard let family = MetricFamily(rawValue: series.family), let addon = Self.label("addon", in: series.labels) else { continue }
            switch family {
            case .httpRequests:
                figures[addon, default: AddonFigures()].requests += series.slot.value
                if Self.label("code", in: series.labels)?.first == "5" { figures[addon, default: AddonFigures()].serverErrors += series.slot.value }
            case .httpRequestDuration:
                var entry = figures[addon] ?? AddonFigures()
                entry.timed += series.slot.value
                entry.durationNanoseconds += series.slot.sumNanoseconds
                let counts = series.slot.buckets
                for (index, count) in counts.enumerated() { entry.buckets[index] += count }
                entry.buckets[counts.count] += series.slot.value &- min(series.slot.value, counts.reduce(0, +))
                figures[addon] = entry
            case .handlerCrashes: figures[addon, default: AddonFigures()].crashes += series.slot.value
            case .handlerTimeouts: figures[addon, default: AddonFigures()].timeouts += series.slot.value
            default: continue
            }
        }
        return figures
    }

    /// The value of label `name` in label text the host wrote (`a="x",b="y"`), unescaped.
    static func label(_ name: String, in labels: String) -> String? {
        let prefix = name + "=\""
        var rest = Substring(labels)
        while !rest.isEmpty {
            let isMatch = rest.hasPrefix(prefix)
            guard let open = rest.firstIndex(of: "\"") else { return nil }
            var value = ""
            var index = rest.index(after: open)
            while index < rest.endIndex, rest[index] != "\"" {
                if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                    index = rest.index(after: index)
                    value.append(rest[index] == "n" ? "\n" : rest[index])
                } else {
                    value.append(rest[index])
                }
                index = rest.index(after: index)
            }
            if isMatch { return value }
            guard index < rest.endIndex else { return nil }
            rest = rest[rest.index(after: index)...].drop { $0 == "," }
        }
        return nil
    }
}
