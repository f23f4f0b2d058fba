/// The provider slots a host may fill, with the manifest permission that grants each and the
/// variable that will choose its provider.
struct ProviderSlot: Sendable, Hashable {
    /// The lookup name, e.g. `email` (``PluginAPI/ServiceKey/name``).
    let name: String
    /// The manifest permission that grants it.
    let permission: String
    /// The setting that selects the provider (a list for the fan-out slots).
    let variable: String

    /// Every slot PluginAPI defines a ``PluginAPI/ServiceKey`` for.
    static let all: [ProviderSlot] = [
        ProviderSlot(name: "email", permission: "email", variable: "EMAIL_PROVIDER"),
        ProviderSlot(name: "sms", permission: "sms", variable: "SMS_PROVIDER"),
        ProviderSlot(name: "cache", permission: "cache", variable: "CACHE_PROVIDER"),
        ProviderSlot(name: "storage", permission: "storage", variable: "STORAGE_PROVIDER"),
        ProviderSlot(name: "rate_limit", permission: "rate_limit", variable: "RATE_LIMIT_PROVIDER"),
        ProviderSlot(name: "payments", permission: "payments", variable: "PAYMENT_PROVIDER"),
        ProviderSlot(name: "analytics", permission: "analytics", variable: "ANALYTICS_PROVIDERS"),
        ProviderSlot(name: "monitoring", permission: "monitoring", variable: "MONITORING_PROVIDERS"),
    ]

    /// The permissions of all slots.
    static let permissions: Set<String> = Set(all.map(\.permission))

    /// The slot named `name`, if there is one.
    static func named(_ name: String) -> ProviderSlot? {
        all.first { $0.name == name }
    }
}
