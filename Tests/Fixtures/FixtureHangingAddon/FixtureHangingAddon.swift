import Glibc
import PluginAPI

/// An addon whose entry never returns: the probe must time out.
@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    while true { sleep(60) }
}
