import PluginAPI

/// An addon library loaded into this process: its ABI checked, its instance created.
public struct AddonLibrary: Sendable {
    /// The C entry that reports the ABI fields the addon was compiled with.
    public static let abiSymbol = "berth_addon_abi"
    /// The C entry that creates the addon instance.
    public static let createSymbol = "berth_addon_create"

    /// The library's path.
    public let path: String
    /// What the library reported through its ABI entry.
    public let descriptor: AddonDescriptor
    /// The addon instance.
    public let addon: any Addon

    private typealias ABIEntry = @convention(c) (Int32) -> UnsafePointer<CChar>?
    private typealias CreateEntry = @convention(c) () -> UnsafeMutableRawPointer?

    /// Loads the library at `path` into this process.
    ///
    /// Order matters: the ELF header is checked, the library mapped, the ABI fields read and
    /// compared with `host` through C types only, and only then is a Swift value created.
    public static func load(path: String, host: HostABI = .current) throws -> AddonLibrary {
        try ELFCheck.requireSharedObject(at: path)
        let library = try DynamicLibrary(path: path)
        let descriptor = try readDescriptor(library)
        try host.check(descriptor, library: path)
        guard let create = library.symbol(createSymbol) else {
            throw LoaderError(.missingEntry, "\(path) does not export \(createSymbol)")
        }
        let entry = unsafeBitCast(create, to: CreateEntry.self)
        guard let opaque = entry() else {
            throw LoaderError(.notAnAddon, "\(createSymbol) in \(path) returned nothing")
        }
        let object = Unmanaged<AnyObject>.fromOpaque(opaque).takeRetainedValue()
        guard let box = object as? AddonBox else {
            throw LoaderError(.notAnAddon, "\(createSymbol) in \(path) returned a \(type(of: object)), not a PluginAPI.AddonBox (was it built against another copy of PluginAPI?)")
        }
        return AddonLibrary(path: path, descriptor: descriptor, addon: box.addon)
    }

    /// Reads the ABI fields through `berth_addon_abi`, without any Swift type crossing.
    static func readDescriptor(_ library: DynamicLibrary) throws -> AddonDescriptor {
        guard let symbol = library.symbol(abiSymbol) else {
            throw LoaderError(.missingEntry, "\(library.path) does not export \(abiSymbol): it is not a Berth addon, or was built without the entry points")
        }
        let entry = unsafeBitCast(symbol, to: ABIEntry.self)
        func field(_ number: Int32, _ name: String) throws -> String {
            guard let text = entry(number) else {
                throw LoaderError(.abiMismatch, "\(abiSymbol) in \(library.path) does not report its \(name)")
            }
            return String(cString: text)
        }
        let abiText = try field(AddonABI.abiVersionField, "ABI version")
        guard let abiVersion = Int(abiText) else {
            throw LoaderError(.abiMismatch, "\(library.path) reports ABI version '\(abiText)', which is not a number")
        }
        return AddonDescriptor(
            abiVersion: abiVersion,
            pluginAPIVersion: try field(AddonABI.pluginAPIVersionField, "PluginAPI version"),
            toolchain: try field(AddonABI.toolchainField, "toolchain"),
            architecture: try field(AddonABI.architectureField, "architecture")
        )
    }

    /// Checks that the instance is the addon the manifest promised.
    public func requireIdentity(id: String, version: String) throws {
        guard addon.id == id, addon.version == version else {
            throw LoaderError(.identityMismatch, "\(path) creates addon \(addon.id) \(addon.version), but its manifest declares \(id) \(version)")
        }
    }
}
