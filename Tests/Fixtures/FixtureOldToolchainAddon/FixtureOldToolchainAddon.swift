import PluginAPI

/// An addon that reports it was built with another Swift toolchain.
@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? {
    if field == AddonABI.toolchainField {
        return UnsafeRawPointer(("5.10.1" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
    return AddonABI.describe(field)
}

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    fatalError("must never be called: the toolchain check comes first")
}
