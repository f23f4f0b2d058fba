import PluginAPI

/// An addon whose entry traps: the probe must contain the crash.
@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    fatalError("fixture addon crashes in its entry")
}
