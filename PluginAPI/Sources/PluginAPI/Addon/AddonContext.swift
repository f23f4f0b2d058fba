/// What the host hands an addon: its own database, logger, configuration and events.
///
/// Every service is scoped to the addon: the database reaches only the addon's own namespace, the
/// logger labels every line with the addon's id, and event subscriptions end when the addon stops.
public struct AddonContext: Sendable {
    /// The addon's identifier.
    public let addonID: String

    /// The addon's database, scoped to its own namespace.
    public let database: any AddonDatabase

    /// A logger whose lines carry the addon's id.
    public let logger: Logger

    /// The events bus shared by the host and every addon.
    public let events: any EventBus

    private let configurationSource: @Sendable () -> AddonConfiguration

    /// The addon's current configuration, validated by the host against the manifest's schema.
    public var configuration: AddonConfiguration { configurationSource() }

    /// Creates a context; called by the host.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        configuration: @escaping @Sendable () -> AddonConfiguration
    ) {
        self.addonID = addonID
        self.database = database
        self.logger = logger
        self.events = events
        self.configurationSource = configuration
    }
}
