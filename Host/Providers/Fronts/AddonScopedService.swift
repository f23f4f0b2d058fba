/// A slot front whose keys belong to one addon: the host's service lookup hands each addon the
/// front ``scoped(to:)`` its id, so two addons never see each other's keys.
public protocol AddonScopedService: Sendable {
    /// The front as addon `addonID` sees it.
    func scoped(to addonID: String) -> any Sendable
}

/// Every slot front the host registers in its service lookup, by slot name.
public enum SlotFronts {
    /// The fronts over `registry`.
    public static func all(_ registry: SlotRegistry) -> [Slot: any Sendable] {
        [
            .email: EmailFront(registry: registry),
            .sms: SMSFront(registry: registry),
            .cache: CacheFront(registry: registry, addonID: ""),
            .storage: StorageFront(registry: registry, addonID: ""),
            .rateLimit: RateLimitFront(registry: registry, addonID: ""),
            .payments: PaymentsFront(registry: registry),
            .analytics: AnalyticsFanOut(registry: registry),
            .monitoring: MonitoringFanOut(registry: registry),
        ]
    }
}
