import BerthTraffic
import Foundation
import PluginAPI

/// The host's own providers (the free development defaults) and where they keep their state in
/// the home, `<state>/providers/`.
public struct HostProviders: Sendable {
    /// The development inbox of the console email and SMS providers.
    public let inbox: DevInbox
    /// The `local` storage provider, which also answers presigned requests.
    public let storage: LocalObjectStorage
    /// The `internal` analytics provider.
    public let analytics: InternalAnalytics

    private let entries: [ProviderEntry]

    /// Opens the providers' state under `directory`; presigned URLs are issued on `baseURL`.
    public init(directory: String, baseURL: String, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        inbox = DevInbox(path: directory + "/dev-inbox.json")
        let signer = try PresignedURLSigner.loading(keyFile: directory + "/storage-signing-key")
        storage = LocalObjectStorage(root: directory + "/storage", signer: signer, baseURL: baseURL)
        analytics = try InternalAnalytics(path: directory + "/analytics.sqlite")
        let table = try RateWindowTable(path: directory + "/rate-limits.table")
        let storageRoot = directory + "/storage"
        let analytics = analytics
        entries = [
            ProviderEntry(slot: .email, name: "console", supplier: ProviderEntry.host, provider: ConsoleEmailSender(inbox: inbox, logger: logger)),
            ProviderEntry(slot: .sms, name: "console", supplier: ProviderEntry.host, provider: ConsoleSMSSender(inbox: inbox, logger: logger)),
            ProviderEntry(slot: .cache, name: "memory", supplier: ProviderEntry.host, provider: MemoryCache()),
            ProviderEntry(slot: .storage, name: "local", supplier: ProviderEntry.host, provider: storage, health: {
                try? FileManager.default.createDirectory(atPath: storageRoot, withIntermediateDirectories: true)
                return access(storageRoot, W_OK) == 0 ? nil : "\(storageRoot) is not writable"
            }),
            ProviderEntry(slot: .rateLimit, name: "memory", supplier: ProviderEntry.host, provider: MemoryRateLimiter(table: table)),
            ProviderEntry(slot: .payments, name: "none", supplier: ProviderEntry.host, provider: NoPayments()),
            ProviderEntry(slot: .analytics, name: "internal", supplier: ProviderEntry.host, provider: analytics, health: { analytics.problem() }),
            ProviderEntry(slot: .monitoring, name: "console", supplier: ProviderEntry.host, provider: ConsoleMonitor(logger: logger)),
        ]
    }

    /// Adds every host provider to `registry`.
    public func register(in registry: SlotRegistry) throws(ProviderError) {
        for entry in entries { try registry.register(entry) }
    }
}
