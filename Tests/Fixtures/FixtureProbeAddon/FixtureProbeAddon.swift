import PluginAPI

/// A well-behaved addon used by the loader tests: it reports which copy of PluginAPI it sees.
struct FixtureProbeAddon: Addon {
    var id: String { "fixture_probe" }
    var version: String { "1.0.0" }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/ping") { _, _ in .text("pong") }
        routes.get("/token") { _, _ in .text(String(AddonABI.runtimeToken)) }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureProbeAddon()) }

/// The PluginAPI singleton as this library sees it; equal to the host's when there is one copy.
@_cdecl("fixture_runtime_token")
public func fixtureRuntimeToken() -> UInt64 { AddonABI.runtimeToken }
