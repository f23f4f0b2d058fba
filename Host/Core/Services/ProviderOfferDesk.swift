import BerthProviders
import PluginAPI

/// Where one addon's ``PluginAPI/ProviderOffer``s go: into the host's slot registry, supplied by
/// that addon (withdrawn when it stops).
struct ProviderOfferDesk: ProviderOffering {
    let addonID: String
    let hub: ProviderHub?

    func offer(_ offer: ProviderOffer) throws {
        guard let hub else { throw HTTPError.serviceUnavailable("this host process has no provider slots") }
        try hub.accept(offer, from: addonID)
    }
}
