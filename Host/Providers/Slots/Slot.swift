/// A provider slot: one kind of infrastructure an addon reaches through the host, with the
/// variable that chooses its provider and the free development default.
public enum Slot: String, Sendable, CaseIterable, Codable {
    case email, sms, cache, storage
    case rateLimit = "rate_limit"
    case payments, analytics, monitoring

    /// The environment variable that chooses the provider (a list for the fan-out slots).
    public var variable: String {
        switch self {
        case .email: "EMAIL_PROVIDER"
        case .sms: "SMS_PROVIDER"
        case .cache: "CACHE_PROVIDER"
        case .storage: "STORAGE_PROVIDER"
        case .rateLimit: "RATE_LIMIT_PROVIDER"
        case .payments: "PAYMENT_PROVIDER"
        case .analytics: "ANALYTICS_PROVIDERS"
        case .monitoring: "MONITORING_PROVIDERS"
        }
    }

    /// The provider used when the variable is unset.
    public var developmentDefault: String {
        switch self {
        case .email, .sms, .monitoring: "console"
        case .cache, .rateLimit: "memory"
        case .storage: "local"
        case .payments: "none"
        case .analytics: "internal"
        }
    }

    /// The slot's place in ``allCases``: the registry keeps per-slot state in arrays, so a call's
    /// lookup is an index and not a hash of the slot's name (a raw-valued enum hashes its string).
    var ordinal: Int {
        switch self {
        case .email: 0
        case .sms: 1
        case .cache: 2
        case .storage: 3
        case .rateLimit: 4
        case .payments: 5
        case .analytics: 6
        case .monitoring: 7
        }
    }

    /// Whether every listed provider receives each call (analytics, monitoring).
    public var isFanOut: Bool { self == .analytics || self == .monitoring }

    /// Whether `failover:` and `round_robin:` make sense: a message may go out through any
    /// provider, whereas a cache, a store, a counter or a payment account must stay one.
    public var allowsAlternatives: Bool { self == .email || self == .sms }
}
