import FixtureIdentity
import Foundation
import PluginAPI

/// An addon that passes the probe and crashes (SIGSEGV) once loaded into the serving process, at
/// the step its installed id names: `…create…` in `berth_addon_create`, `…routes…` in `routes()`,
/// `…start…` in `start()`. The probe runs as `berth probe …`, so the crash is skipped there.
/// Its id and version come from the installed `manifest.json`.
struct FixtureWorkerCrashAddon: Addon {
    let id: String
    let version: String

    func start(_ context: AddonContext) async throws {
        if id.contains("start") { crash() }
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        if id.contains("routes"), !inProbe { crash() }
        let version = version
        routes.get("/version") { _, _ in .text(version) }
    }
}

/// Whether this process is the host's probe child.
let inProbe = CommandLine.arguments.dropFirst().first == "probe"

/// A real SIGSEGV (an address in the never-mapped first page), not a Swift trap.
func crash() -> Never {
    let pointer = UnsafeMutablePointer<Int>(bitPattern: 0x10)!
    pointer.pointee = 42
    fatalError("unreachable")
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    if identity.id.contains("create"), !inProbe { crash() }
    return AddonABI.export(FixtureWorkerCrashAddon(id: identity.id, version: identity.version))
}
