import PluginAPI

/// An addon that claims an ABI version this host does not implement.
@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? {
    if field == AddonABI.abiVersionField {
        return UnsafeRawPointer(("99" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
    return AddonABI.describe(field)
}

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    fatalError("must never be called: the ABI check comes first")
}
