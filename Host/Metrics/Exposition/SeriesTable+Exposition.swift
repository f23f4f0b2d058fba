/// Rendering every series of the table.
extension SeriesTable {
    /// The scrape text of every published series, families in a fixed order, plus `extra`
    /// already-rendered gauge families (process-level figures the caller reads at scrape time).
    public func render(_ format: Exposition.Format, extra: [(family: String, help: String, samples: [(labels: String, value: Double)])] = []) -> String {
        var byFamily: [UInt8: [(labels: String, slot: SeriesSlot)]] = [:]
        for series in published() { byFamily[series.family, default: []].append((series.labels, series.slot)) }
        var text = ""
        // In-flight series are per process: the caller sums the live ones into `extra`.
        for family in MetricFamily.allCases where family != .httpInFlight {
            guard let series = byFamily[family.rawValue]?.sorted(by: { $0.labels < $1.labels }), !series.isEmpty else { continue }
            let metadataName = format == .openMetrics || family.type != "counter" ? family.baseName : family.baseName + "_total"
            text += "# HELP \(metadataName) \(family.help)\n# TYPE \(metadataName) \(family.type)\n"
            for (labels, slot) in series {
                switch family.type {
                case "counter":
                    text += "\(family.baseName)_total{\(labels)} \(slot.value)\n"
                case "histogram":
                    var cumulative: UInt64 = 0
                    for (bound, count) in zip(Self.bucketBounds, slot.buckets) {
                        cumulative += count
                        text += "\(family.baseName)_bucket{\(labels),le=\"\(Exposition.number(bound))\"} \(cumulative)\n"
                    }
                    text += "\(family.baseName)_bucket{\(labels),le=\"+Inf\"} \(slot.value)\n"
                    text += "\(family.baseName)_sum{\(labels)} \(Double(slot.sumNanoseconds) / 1e9)\n"
                    text += "\(family.baseName)_count{\(labels)} \(slot.value)\n"
                default:
                    text += labels.isEmpty ? "\(family.baseName) \(Int64(bitPattern: slot.value))\n" : "\(family.baseName){\(labels)} \(Int64(bitPattern: slot.value))\n"
                }
            }
        }
        let dropped = overflowed
        text += "# HELP berth_metrics_series_dropped\(format == .openMetrics ? "" : "_total") Series not recorded because the metrics table was full.\n"
        text += "# TYPE berth_metrics_series_dropped\(format == .openMetrics ? "" : "_total") counter\nberth_metrics_series_dropped_total \(dropped)\n"
        for family in extra where !family.samples.isEmpty {
            text += "# HELP \(family.family) \(family.help)\n# TYPE \(family.family) gauge\n"
            for sample in family.samples {
                text += sample.labels.isEmpty ? "\(family.family) \(Exposition.number(sample.value))\n" : "\(family.family){\(sample.labels)} \(Exposition.number(sample.value))\n"
            }
        }
        if format == .openMetrics { text += "# EOF\n" }
        return text
    }
}
