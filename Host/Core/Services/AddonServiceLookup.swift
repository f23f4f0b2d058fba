import BerthProviders
import PluginAPI

/// One addon's ``PluginAPI/ServiceLookup``: a service is answered only if the manifest grants its
/// permission and the host has it; otherwise the error says which of the two to fix.
struct AddonServiceLookup: ServiceLookup {
    let addonID: String
    let permissions: Set<String>
    /// The addon's view of the events bus.
    let events: any EventBus
    let registry: HostServiceRegistry

    func service(named name: String, permission: String, for addonID: String) throws -> any Sendable {
        if name == ServiceKey<any ProviderOffering>.providerOffers.name { return ProviderOfferDesk(addonID: self.addonID, hub: registry.hub) }
        guard permissions.contains(permission) else {
            throw HTTPError.permissionDenied(addonID: self.addonID, permission: permission)
        }
        if name == "events" { return events }
        if let provider = registry.provider(named: name) { return (provider as? any AddonScopedService)?.scoped(to: self.addonID) ?? provider }
        if let slot = ProviderSlot.named(name) {
            throw HTTPError.serviceUnavailable("this host has no \(name) provider: the \(slot.variable) slot is empty")
        }
        throw HTTPError.serviceUnavailable("this host offers no service named \(name)")
    }
}
