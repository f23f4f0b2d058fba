import Glibc
import PluginAPI

/// An addon with a route whose handler never returns and blocks its thread: the worker must answer
/// 504 at the handler timeout and be recycled.
struct FixtureHangAddon: Addon {
    var id: String { "hang_fixture" }
    var version: String { "1.0.0" }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/ok") { _, _ in .text("ok") }
        routes.get("/hang") { _, _ in
            while true { sleep(60) }
        }
        // Block their thread for 300 ms, then answer: their polling thread is taken over meanwhile.
        routes.get("/slow") { _, _ in
            usleep(300_000)
            return .text("slow")
        }
        routes.get("/slow-async") { _, _ in
            usleep(300_000)
            try await Task.sleep(for: .milliseconds(20))
            return .text("slow-async")
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureHangAddon()) }
