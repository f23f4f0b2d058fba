/// A provider an addon supplies for one of the host's slots, e.g. an SMTP email sender.
///
/// Real providers ship as addons: an addon offers them in ``Addon/start(_:)`` with
/// ``AddonContext/offer(_:)``, and the host's administrator chooses one with the slot's variable
/// (`EMAIL_PROVIDER=smtp`) or `PUT /api/v1/providers/{slot}`. Offering does not select: a host
/// keeps its current provider until told otherwise. The offers end when the addon stops, and the
/// host refuses to deactivate or uninstall an addon whose provider a slot uses.
///
/// ```swift
/// func start(_ context: AddonContext) async throws {
///     try context.offer(.email("smtp", SMTPSender(configuration: context.configuration)))
/// }
/// ```
///
/// Added in PluginAPI 1.2.0.
public struct ProviderOffer: Sendable {
    /// The slot's name: `email`, `sms`, `cache`, `storage`, `rate_limit`, `payments`, `analytics`
    /// or `monitoring`.
    public let slot: String
    /// The provider's name in the slot's variable: lowercase letters, digits, `_` and `-`.
    public let name: String
    /// The provider, conforming to the slot's protocol.
    public let provider: any Sendable
    /// A health check for `GET /api/v1/providers`: `nil` when healthy, otherwise what is wrong.
    public let health: @Sendable () async -> String?

    private init(slot: String, name: String, provider: any Sendable, health: @escaping @Sendable () async -> String?) {
        self.slot = slot
        self.name = name
        self.provider = provider
        self.health = health
    }

    /// An email provider named `name`.
    public static func email(_ name: String, _ provider: any EmailSender, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "email", name: name, provider: provider, health: health)
    }

    /// An SMS provider named `name`.
    public static func sms(_ name: String, _ provider: any SMSSender, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "sms", name: name, provider: provider, health: health)
    }

    /// A cache provider named `name`; it receives keys already scoped to the calling addon.
    public static func cache(_ name: String, _ provider: any CacheStore, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "cache", name: name, provider: provider, health: health)
    }

    /// An object storage provider named `name`; it receives keys under `<calling addon>/`.
    public static func storage(_ name: String, _ provider: any ObjectStorage, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "storage", name: name, provider: provider, health: health)
    }

    /// A rate limiting provider named `name`; it receives keys scoped to the calling addon.
    public static func rateLimiter(_ name: String, _ provider: any RateLimiter, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "rate_limit", name: name, provider: provider, health: health)
    }

    /// A payments provider named `name`.
    public static func payments(_ name: String, _ provider: any PaymentProcessor, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "payments", name: name, provider: provider, health: health)
    }

    /// An analytics provider named `name`, one member of the fan-out.
    public static func analytics(_ name: String, _ provider: any AnalyticsTracker, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "analytics", name: name, provider: provider, health: health)
    }

    /// A monitoring provider named `name`, one member of the fan-out.
    public static func monitoring(_ name: String, _ provider: any ErrorMonitor, health: @escaping @Sendable () async -> String? = { nil }) -> ProviderOffer {
        ProviderOffer(slot: "monitoring", name: name, provider: provider, health: health)
    }
}

/// Where a host takes an addon's ``ProviderOffer``s; reached through ``AddonContext/offer(_:)``.
public protocol ProviderOffering: Sendable {
    /// Adds `offer` to its slot.
    /// - Throws: ``HTTPError`` when the slot is unknown, the name invalid, or another addon
    ///   already supplies that name.
    func offer(_ offer: ProviderOffer) throws
}

extension ServiceKey where Service == any ProviderOffering {
    /// The host's offer desk; needs no permission (an offer alone changes nothing a host uses).
    public static var providerOffers: ServiceKey { ServiceKey(name: "provider_offers", permission: "") }
}

extension AddonContext {
    /// Supplies `offer` to the host's slot; call it from ``Addon/start(_:)``.
    /// - Throws: ``HTTPError`` from the host, or 503 `service_unavailable` on a host that takes no
    ///   offers (before PluginAPI 1.2.0).
    public func offer(_ offer: ProviderOffer) throws {
        try service(.providerOffers).offer(offer)
    }
}
