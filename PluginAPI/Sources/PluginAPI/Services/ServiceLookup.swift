/// How the host answers ``AddonContext/service(_:)``: implemented by the host, one per addon.
///
/// A host adds a service by answering a new name here, so the contexts' layout never changes.
public protocol ServiceLookup: Sendable {
    /// The service registered as `name` for the addon `addonID`.
    ///
    /// - Throws: ``HTTPError/permissionDenied(addonID:permission:)`` when the addon's manifest does
    ///   not grant `permission`; ``HTTPError/serviceUnavailable(_:)`` when the host has no such
    ///   service. Never answers a do-nothing stand-in.
    func service(named name: String, permission: String, for addonID: String) throws -> any Sendable
}

/// The lookup of a context made by a 1.1 initializer: it knows the events bus it was given and
/// nothing else.
struct EventsOnlyLookup: ServiceLookup {
    let addonID: String
    let events: any EventBus

    func service(named name: String, permission: String, for addonID: String) throws -> any Sendable {
        if name == "events" { return events }
        throw HTTPError.serviceUnavailable("this host offers no \(name) service")
    }
}
