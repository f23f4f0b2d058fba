/// A scheduled job an addon declares in its manifest's `jobs` list; the host runs it on schedule,
/// once per due time however many workers or nodes serve, and the addon handles it.
///
/// ```json
/// "jobs": [{"name": "send_digest", "schedule": "0 8 * * MON-FRI", "timeZone": "Europe/Berlin", "timeoutSeconds": 120}]
/// ```
public struct JobDeclaration: Codable, Sendable, Hashable {
    /// The job's name, unique in the addon: `a–z`, `0–9`, `_`, `-`, 1–64 characters.
    public var name: String
    /// A cron expression (5 fields, 6 with seconds first, or a macro like `@daily`).
    public var schedule: String
    /// The tz-database zone the schedule is read in (default `UTC`).
    public var timeZone: String
    /// Seconds a run may take before it is cancelled (default 300).
    public var timeoutSeconds: Double
    /// Whether a run may start while the previous one still runs (default false).
    public var allowOverlap: Bool

    /// Creates a declaration.
    public init(name: String, schedule: String, timeZone: String = "UTC", timeoutSeconds: Double = 300, allowOverlap: Bool = false) {
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone
        self.timeoutSeconds = timeoutSeconds
        self.allowOverlap = allowOverlap
    }

    /// Decodes a declaration; only `name` and `schedule` are required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        schedule = try container.decode(String.self, forKey: .schedule)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC"
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 300
        allowOverlap = try container.decodeIfPresent(Bool.self, forKey: .allowOverlap) ?? false
    }
}
