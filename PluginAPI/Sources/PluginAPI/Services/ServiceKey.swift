/// Names a service the host may offer an addon, and the type the addon receives.
///
/// `Service` is the protocol the addon uses (e.g. `any EmailSender`); ``name`` is the key the host
/// registers it under and ``permission`` the manifest permission that grants it. The keys of the
/// provider slots are static members, so a lookup reads `try context.service(.email)`.
public struct ServiceKey<Service>: Sendable, Hashable, CustomStringConvertible {
    /// The key the host registers the service under, e.g. `email`.
    public let name: String

    /// The manifest permission that grants the service, e.g. `email`.
    public let permission: String

    /// Creates a key; a host or a later PluginAPI adds services this way without changing
    /// ``AddonContext`` or ``RequestContext``.
    public init(name: String, permission: String) {
        self.name = name
        self.permission = permission
    }

    /// The key's name.
    public var description: String { name }
}

extension ServiceKey where Service == any EventBus {
    /// The events bus; needs the `events` permission. Unlike ``AddonContext/events``, the lookup
    /// throws when the permission is missing.
    public static var events: ServiceKey { ServiceKey(name: "events", permission: "events") }
}

extension ServiceKey where Service == any EmailSender {
    /// The email slot (`EMAIL_PROVIDER`); needs the `email` permission.
    public static var email: ServiceKey { ServiceKey(name: "email", permission: "email") }
}

extension ServiceKey where Service == any SMSSender {
    /// The SMS slot (`SMS_PROVIDER`); needs the `sms` permission.
    public static var sms: ServiceKey { ServiceKey(name: "sms", permission: "sms") }
}

extension ServiceKey where Service == any CacheStore {
    /// The cache slot (`CACHE_PROVIDER`); needs the `cache` permission.
    public static var cache: ServiceKey { ServiceKey(name: "cache", permission: "cache") }
}

extension ServiceKey where Service == any ObjectStorage {
    /// The object storage slot (`STORAGE_PROVIDER`); needs the `storage` permission.
    public static var storage: ServiceKey { ServiceKey(name: "storage", permission: "storage") }
}

extension ServiceKey where Service == any RateLimiter {
    /// The rate limiting slot (`RATE_LIMIT_PROVIDER`); needs the `rate_limit` permission.
    public static var rateLimiter: ServiceKey { ServiceKey(name: "rate_limit", permission: "rate_limit") }
}

extension ServiceKey where Service == any PaymentProcessor {
    /// The payments slot (`PAYMENT_PROVIDER`); needs the `payments` permission.
    public static var payments: ServiceKey { ServiceKey(name: "payments", permission: "payments") }
}

extension ServiceKey where Service == any AnalyticsTracker {
    /// The analytics fan-out (`ANALYTICS_PROVIDERS`); needs the `analytics` permission.
    public static var analytics: ServiceKey { ServiceKey(name: "analytics", permission: "analytics") }
}

extension ServiceKey where Service == any ErrorMonitor {
    /// The monitoring fan-out (`MONITORING_PROVIDERS`); needs the `monitoring` permission.
    public static var monitoring: ServiceKey { ServiceKey(name: "monitoring", permission: "monitoring") }
}
