import PluginAPI

/// The provider slots of one host process: the registry and the host's own providers.
public final class ProviderHub: Sendable {
    /// Every slot's providers and selection.
    public let slots: SlotRegistry
    /// The host's development providers.
    public let host: HostProviders

    /// Reads the slot variables from `environment`, opens the host's providers under `directory`
    /// and registers them; presigned storage URLs are issued on `baseURL`.
    /// - Throws: ``ProviderError`` naming the slot, the variable and the value of a bad variable.
    public init(environment: [String: String], directory: String, baseURL: String, logger: Logger) throws {
        slots = try SlotRegistry(environment: environment, selectionsFile: directory + "/selections.json", logger: logger)
        host = try HostProviders(directory: directory, baseURL: baseURL, logger: logger)
        try host.register(in: slots)
    }

    /// The fronts addons reach through `context.service(...)`, by slot name.
    public var fronts: [String: any Sendable] {
        Dictionary(uniqueKeysWithValues: SlotFronts.all(slots).map { ($0.key.rawValue, $0.value) })
    }

    /// Adds an addon's offer (from ``PluginAPI/AddonContext/offer(_:)``).
    /// - Throws: ``HTTPError`` 400 for an unknown slot or a bad name, 409 for a name another supplier holds.
    public func accept(_ offer: ProviderOffer, from addonID: String) throws {
        guard let slot = Slot(rawValue: offer.slot) else { throw ProviderError.unknownSlot(offer.slot).httpError }
        guard ProviderSelection.isValidName(offer.name) else {
            throw ProviderError.invalidArgument("provider name '\(offer.name)' must be lowercase letters, digits, '_' and '-'").httpError
        }
        do {
            try slots.register(ProviderEntry(slot: slot, name: offer.name, supplier: addonID, provider: offer.provider, health: offer.health))
        } catch {
            throw HTTPError(status: 409, code: "provider_name_taken", message: error.message)
        }
    }
}
