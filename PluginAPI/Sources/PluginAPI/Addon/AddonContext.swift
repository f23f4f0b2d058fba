/// What the host hands an addon: its own database, logger, configuration and events.
///
/// Every service is scoped to the addon: the database reaches only the addon's own namespace, the
/// logger labels every line with the addon's id, and event subscriptions end when the addon stops.
///
/// Services added after PluginAPI 1.1 are looked up with ``service(_:)`` instead of being stored
/// properties, so the host can offer a new one without changing this type.
public struct AddonContext: Sendable {
    /// The addon's parts, behind one reference: a ``RequestContext`` built per request copies the
    /// addon context, and one retain is cheaper than one per service.
    private let storage: Storage

    /// The addon's identifier.
    public var addonID: String { storage.addonID }

    /// The addon's database, scoped to its own namespace.
    public var database: any AddonDatabase { storage.database }

    /// A logger whose lines carry the addon's id.
    public var logger: Logger { storage.logger }

    /// The events bus shared by the host and every addon.
    ///
    /// Without the `events` permission this bus only logs each refused call, since its methods
    /// cannot throw; `try service(.events)` throws an error naming the permission instead.
    public var events: any EventBus { storage.events }

    /// Outgoing HTTP, limited to the hosts the manifest lists as `network:<host>`.
    public var http: any HTTPClient { storage.http }

    /// Services of other addons, as the manifest's `service:<addon>.<name>` permissions allow, and
    /// the place to offer this addon's own.
    public var services: any ServiceRegistry { storage.services }

    /// A folder of the addon's own for files, removed at uninstall; `nil` unless the manifest asks
    /// for the `filesystem` permission.
    public var scratchDirectory: String? { storage.scratchDirectory }

    /// The addon's current configuration, validated by the host against the manifest's schema.
    public var configuration: AddonConfiguration { storage.configurationSource() }

    /// The host's service lookup for this addon (provider slots, events, and whatever a later host
    /// adds).
    public var lookup: any ServiceLookup { storage.lookup }

    /// Creates a context without network, services or scratch folder; called by the host and by
    /// tests.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        configuration: @escaping @Sendable () -> AddonConfiguration
    ) {
        self.init(
            addonID: addonID, database: database, logger: logger, events: events, http: DeniedHTTPClient(addonID: addonID),
            services: DeniedServices(addonID: addonID), scratchDirectory: nil, configuration: configuration
        )
    }

    /// Creates a context with every 1.x service and a lookup that offers only ``ServiceKey/events``;
    /// called by hosts built against PluginAPI 1.1.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        http: any HTTPClient,
        services: any ServiceRegistry,
        scratchDirectory: String?,
        configuration: @escaping @Sendable () -> AddonConfiguration
    ) {
        self.init(
            addonID: addonID, database: database, logger: logger, events: events, http: http, services: services,
            scratchDirectory: scratchDirectory, configuration: configuration, lookup: EventsOnlyLookup(addonID: addonID, events: events)
        )
    }

    /// Creates a context whose further services come from `lookup`; called by the host and by tests.
    ///
    /// This is the last initializer a new service needs: later services are answers of `lookup`.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        http: any HTTPClient,
        services: any ServiceRegistry,
        scratchDirectory: String?,
        configuration: @escaping @Sendable () -> AddonConfiguration,
        lookup: any ServiceLookup
    ) {
        storage = Storage(
            addonID: addonID, database: database, logger: logger, events: events, http: http, services: services,
            scratchDirectory: scratchDirectory, configurationSource: configuration, lookup: lookup
        )
    }

    /// The service `key` names, as the host offers it to this addon.
    ///
    /// - Throws: ``HTTPError`` `permission_denied` (500) naming the manifest permission to add when
    ///   the manifest does not grant it; `service_unavailable` (503) when this host has no provider
    ///   for it.
    public func service<Service>(_ key: ServiceKey<Service>) throws -> Service {
        let found = try storage.lookup.service(named: key.name, permission: key.permission, for: storage.addonID)
        guard let service = found as? Service else {
            throw HTTPError.serviceUnavailable("the host's \(key.name) service is not a \(Service.self)")
        }
        return service
    }

    private final class Storage: Sendable {
        let addonID: String
        let database: any AddonDatabase
        let logger: Logger
        let events: any EventBus
        let http: any HTTPClient
        let services: any ServiceRegistry
        let scratchDirectory: String?
        let configurationSource: @Sendable () -> AddonConfiguration
        let lookup: any ServiceLookup

        init(
            addonID: String, database: any AddonDatabase, logger: Logger, events: any EventBus, http: any HTTPClient,
            services: any ServiceRegistry, scratchDirectory: String?,
            configurationSource: @escaping @Sendable () -> AddonConfiguration, lookup: any ServiceLookup
        ) {
            self.addonID = addonID
            self.database = database
            self.logger = logger
            self.events = events
            self.http = http
            self.services = services
            self.scratchDirectory = scratchDirectory
            self.configurationSource = configurationSource
            self.lookup = lookup
        }
    }
}
