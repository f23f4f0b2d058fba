/// The services of a request's addon by name: `try context.services.email`.
///
/// Each property is a lookup through ``AddonContext/service(_:)``, so it throws the same errors
/// (the missing manifest permission, or a host without that provider). A later PluginAPI adds a
/// property here for each new slot; the layout of the contexts does not change.
public struct ServiceDirectory: Sendable {
    /// The context the lookups go through.
    public let context: AddonContext

    /// Creates a directory over `context`'s lookup.
    public init(context: AddonContext) {
        self.context = context
    }

    /// The events bus (permission `events`).
    public var events: any EventBus { get throws { try context.service(.events) } }
    /// The email slot (permission `email`).
    public var email: any EmailSender { get throws { try context.service(.email) } }
    /// The SMS slot (permission `sms`).
    public var sms: any SMSSender { get throws { try context.service(.sms) } }
    /// The cache slot (permission `cache`).
    public var cache: any CacheStore { get throws { try context.service(.cache) } }
    /// The object storage slot (permission `storage`).
    public var storage: any ObjectStorage { get throws { try context.service(.storage) } }
    /// The rate limiting slot (permission `rate_limit`).
    public var rateLimiter: any RateLimiter { get throws { try context.service(.rateLimiter) } }
    /// The payments slot (permission `payments`).
    public var payments: any PaymentProcessor { get throws { try context.service(.payments) } }
    /// The analytics fan-out (permission `analytics`).
    public var analytics: any AnalyticsTracker { get throws { try context.service(.analytics) } }
    /// The monitoring fan-out (permission `monitoring`).
    public var monitoring: any ErrorMonitor { get throws { try context.service(.monitoring) } }
    /// Services other addons offer (permissions `service:<addon>.<name>`).
    public var addons: any ServiceRegistry { context.services }
}
