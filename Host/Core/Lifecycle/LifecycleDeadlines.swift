import Foundation

/// How long each step an addon controls may take during a change of the home, from `BERTH_*`
/// variables (seconds, decimals allowed). On expiry the change fails cleanly: its undo runs, the
/// home's lock is released, and a worker whose thread the addon still holds is recycled.
public struct LifecycleDeadlines: Sendable {
    /// `BERTH_START_TIMEOUT` (30 s): an addon's `start()`.
    public var start: Duration
    /// `BERTH_STOP_TIMEOUT` (10 s): an addon's `stop()`.
    public var stop: Duration
    /// `BERTH_MIGRATION_TIMEOUT` (60 s): the migration check, and the migrations of one change.
    public var migration: Duration
    /// `BERTH_ROLL_TIMEOUT` (60 s): a new generation of workers becoming ready.
    public var roll: Duration
    /// `BERTH_UNSERVE_TIMEOUT` (30 s): every worker finishing its requests to an addon being removed.
    public var unserve: Duration
    /// `BERTH_EVENT_TIMEOUT` (5 s): one subscriber's handling of one event.
    public var eventDelivery: Duration
    /// `BERTH_SCRATCH_MAX_MB` (256): how large the scratch database of the migration check may grow
    /// (SQLite; on PostgreSQL the time bound applies).
    public var scratchBytes: Int

    /// The settings of this process's environment; a malformed value is reported by ``validate(_:)``
    /// at start and falls back on the default here.
    public static let current = (try? LifecycleDeadlines(environment: ProcessInfo.processInfo.environment)) ?? LifecycleDeadlines()

    /// The defaults.
    public init() {
        start = .seconds(30)
        stop = .seconds(10)
        migration = .seconds(60)
        roll = .seconds(60)
        unserve = .seconds(30)
        eventDelivery = .seconds(5)
        scratchBytes = 256 << 20
    }

    /// Reads the settings, naming the variable of a malformed value.
    public init(environment: [String: String]) throws {
        self.init()
        start = try Self.seconds(environment, "BERTH_START_TIMEOUT", default: start)
        stop = try Self.seconds(environment, "BERTH_STOP_TIMEOUT", default: stop)
        migration = try Self.seconds(environment, "BERTH_MIGRATION_TIMEOUT", default: migration)
        roll = try Self.seconds(environment, "BERTH_ROLL_TIMEOUT", default: roll)
        unserve = try Self.seconds(environment, "BERTH_UNSERVE_TIMEOUT", default: unserve)
        eventDelivery = try Self.seconds(environment, "BERTH_EVENT_TIMEOUT", default: eventDelivery)
        if let text = environment["BERTH_SCRATCH_MAX_MB"], !text.isEmpty {
            guard let megabytes = Int(text), (1 ... 1 << 20).contains(megabytes) else {
                throw BerthError.internalError("invalid_setting", "BERTH_SCRATCH_MAX_MB=\(text) is not a whole number of megabytes in 1…1048576")
            }
            scratchBytes = megabytes << 20
        }
    }

    /// Refuses a malformed setting before anything serves.
    public static func validate(_ environment: [String: String]) throws {
        _ = try LifecycleDeadlines(environment: environment)
    }

    private static func seconds(_ environment: [String: String], _ name: String, default fallback: Duration) throws -> Duration {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let number = Double(text), number > 0, number <= 86400 else {
            throw BerthError.internalError("invalid_setting", "\(name)=\(text) is not a number of seconds in 0…86400")
        }
        return .milliseconds(Int64(number * 1000))
    }
}
