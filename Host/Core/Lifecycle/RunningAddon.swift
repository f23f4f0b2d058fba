import BerthLoader
import BerthNetwork
import BerthPackages
import BerthStorage
import PluginAPI
import Synchronization

/// An addon loaded into this process, with the services handed to it.
final class RunningAddon: Sendable {
    let id: String
    let version: String
    let library: AddonLibrary
    let context: AddonContext
    let data: any AddonDataHandle
    let gate = RequestGate()
    let settings: ConfigurationCell
    /// Tells this loaded instance's event subscriptions from those of another version's.
    let instance: UInt64
    /// The jobs its manifest declares (see ``JobRunner``).
    let jobs: [JobDeclaration]

    /// The serving lock of this build (see ``ServingLock/buildKey(_:installPath:)``).
    let buildKey: String

    init(id: String, version: String, library: AddonLibrary, data: any AddonDataHandle, permissions: [String],
         settings: ConfigurationCell, events: HostEventBus, services: HostServiceRegistry, scratchDirectory: String?, log: AddonLogFile, logLevel: LogLevel = .info, jobs: [JobDeclaration] = [],
         buildKey: String) {
        self.id = id
        self.buildKey = buildKey
        self.jobs = jobs
        self.version = version
        self.library = library
        self.data = data
        self.settings = settings
        let instance = events.newInstance()
        self.instance = instance
        let database: any AddonDatabase = permissions.contains(Permission.database)
            ? data.database
            : DeniedDatabase(addonID: id)
        let logger = Logger(label: id, handler: AddonLogHandler(file: log, minimumLevel: logLevel, echoes: DevelopmentMode.isOn, secrets: { settings.secretValues }))
        let bus: any EventBus = permissions.contains(Permission.events) ? events.view(for: id, instance: instance) : DeniedEvents(addonID: id, logger: logger)
        self.context = AddonContext(
            addonID: id, database: database,
            logger: logger,
            events: bus, http: RestrictedHTTPClient(addonID: id, permissions: permissions),
            services: services.view(for: id, permissions: permissions),
            scratchDirectory: permissions.contains(Permission.filesystem) ? scratchDirectory : nil,
            configuration: { settings.configuration },
            lookup: services.lookup(for: id, permissions: permissions, events: bus)
        )
    }
}

/// An addon's configuration, readable from any thread, replaced as a whole.
final class ConfigurationCell: Sendable {
    private let state: Mutex<(values: [String: JSONValue], sensitiveKeys: [String])>

    init(values: [String: JSONValue], sensitiveKeys: [String]) {
        state = Mutex((values, sensitiveKeys))
    }

    var configuration: AddonConfiguration { state.withLock { AddonConfiguration($0.values) } }

    var values: [String: JSONValue] {
        get { state.withLock { $0.values } }
        set { state.withLock { $0.values = newValue } }
    }

    /// The values of sensitive keys, which logs must never show.
    var secretValues: [String] {
        state.withLock { state in
            state.sensitiveKeys.compactMap { key in
                if case .string(let value) = state.values[key] { return value }
                return nil
            }
        }
    }
}
