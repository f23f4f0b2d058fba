import Glibc
import PluginAPI

/// An addon with routes that end its worker: a bad pointer (SIGSEGV), `exit()` and `abort()`, each
/// also after a suspension (then the handler resumes on another thread). The supervisor tests prove
/// that only these routes' requests fail, that each gets a 502 naming the addon, and that the addon
/// is quarantined after repeated crashes.
struct FixtureSegfaultAddon: Addon {
    var id: String { "segfault_fixture" }
    var version: String { "1.0.0" }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/ok") { _, _ in .text("ok") }
        routes.get("/crash") { _, _ in
            // An address in the never-mapped first page: a real SIGSEGV, not a Swift trap.
            let pointer = UnsafeMutablePointer<Int>(bitPattern: 0x10)!
            pointer.pointee = 42
            return .text("unreachable")
        }
        routes.get("/exit") { _, _ in exit(3) }
        routes.get("/abort") { _, _ in abort() }
        routes.get("/exit-later") { _, _ in
            try await Task.sleep(for: .milliseconds(5))
            exit(3)
        }
        routes.get("/abort-later") { _, _ in
            try await Task.sleep(for: .milliseconds(5))
            abort()
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureSegfaultAddon()) }
