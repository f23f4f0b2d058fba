/// Rendering every series of the table.
extension SeriesTable {
    /// The bounds of ``bucketBounds`` as the `le` label text, formatted once.
    static let bucketLabels: [[UInt8]] = bucketBounds.map { Array(",le=\"\(Exposition.number($0))\"} ".utf8) }

    /// The scrape text of every published series, families in a fixed order, plus `extra`
    /// already-rendered gauge families (process-level figures the caller reads at scrape time).
    public func render(_ format: Exposition.Format, extra: [(family: String, help: String, samples: [(labels: String, value: Double)])] = []) -> String {
        String(decoding: renderBytes(format, extra: extra), as: UTF8.self)
    }

    /// ``render(_:extra:)`` as the bytes of the response body. A scrape of 100 addons is some
    /// 3,500 lines: written into one buffer, numbers formatted without a `String` per line.
    public func renderBytes(_ format: Exposition.Format, extra: [(family: String, help: String, samples: [(labels: String, value: Double)])] = []) -> [UInt8] {
        var byFamily: [UInt8: [(labels: String, slot: SeriesSlot)]] = [:]
        for series in published() { byFamily[series.family, default: []].append((series.labels, series.slot)) }
        var text = ExpositionText()
        // About 2.4 KB per histogram series; bounded so a full table does not reserve tens of megabytes.
        text.reserve(min(1 << 22, byFamily.values.reduce(0) { $0 + $1.count } * 2400 + 4096))
        // In-flight series are per process: the caller sums the live ones into `extra`.
        for family in MetricFamily.allCases where family != .httpInFlight {
            guard let series = byFamily[family.rawValue]?.sorted(by: { $0.labels < $1.labels }), !series.isEmpty else { continue }
            let metadataName = format == .openMetrics || family.type != "counter" ? family.baseName : family.baseName + "_total"
            text.append("# HELP \(metadataName) \(family.help)\n# TYPE \(metadataName) \(family.type)\n")
            let name = Array(family.baseName.utf8)
            switch family.type {
            case "counter":
                let sample = name + Array("_total{".utf8)
                for (labels, slot) in series {
                    text.append(sample); text.append(labels); text.append("} "); text.append(slot.value); text.newline()
                }
            case "histogram":
                let bucket = name + Array("_bucket{".utf8), sum = name + Array("_sum{".utf8), count = name + Array("_count{".utf8)
                for (labels, slot) in series {
                    let labelBytes = Array(labels.utf8)
                    var cumulative: UInt64 = 0
                    for (bound, value) in zip(Self.bucketLabels, slot.buckets) {
                        cumulative += value
                        text.append(bucket); text.append(labelBytes); text.append(bound); text.append(cumulative); text.newline()
                    }
                    text.append(bucket); text.append(labelBytes); text.append(",le=\"+Inf\"} "); text.append(slot.value); text.newline()
                    text.append(sum); text.append(labelBytes); text.append("} \(Double(slot.sumNanoseconds) / 1e9)\n")
                    text.append(count); text.append(labelBytes); text.append("} "); text.append(slot.value); text.newline()
                }
            default:
                for (labels, slot) in series {
                    text.append(name)
                    if !labels.isEmpty { text.append("{"); text.append(labels); text.append("}") }
                    text.append(" \(Int64(bitPattern: slot.value))\n")
                }
            }
        }
        let dropped = overflowed
        text.append("# HELP berth_metrics_series_dropped\(format == .openMetrics ? "" : "_total") Series not recorded because the metrics table was full.\n")
        text.append("# TYPE berth_metrics_series_dropped\(format == .openMetrics ? "" : "_total") counter\nberth_metrics_series_dropped_total \(dropped)\n")
        for family in extra where !family.samples.isEmpty {
            text.append("# HELP \(family.family) \(family.help)\n# TYPE \(family.family) gauge\n")
            for sample in family.samples {
                text.append(sample.labels.isEmpty ? "\(family.family) \(Exposition.number(sample.value))\n" : "\(family.family){\(sample.labels)} \(Exposition.number(sample.value))\n")
            }
        }
        if format == .openMetrics { text.append("# EOF\n") }
        return text.bytes
    }
}
