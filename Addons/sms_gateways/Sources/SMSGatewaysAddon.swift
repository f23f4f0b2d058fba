import PluginAPI
import ProviderKit

/// Supplies the SMS providers `twilio`, `vonage`, `messagebird` and `sns`: each one whose
/// credentials are configured at start is offered (`GET /gateways` lists them).
struct SMSGatewaysAddon: Addon {
    var id: String { "sms_gateways" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        let names = SMSGatewaySettings.configuredProviders(context.configuration)
        for name in names {
            let sender = GatewaySender(name: name, context: context)
            try context.offer(.sms(name, sender, health: { sender.problem() }))
        }
        context.logger.info(names.isEmpty ? "no SMS gateway has credentials configured; none is offered" : "offering \(names.joined(separator: ", "))")
    }

    func register(_ router: inout Router) {
        router.get("/gateways") { _, context in
            try .json(["offered": SMSGatewaySettings.configuredProviders(context.configuration)])
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(SMSGatewaysAddon()) }
