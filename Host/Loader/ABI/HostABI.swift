import PluginAPI

/// What an addon's ABI descriptor must match in this host.
public struct HostABI: Sendable, Hashable {
    /// The C-ABI version of the entry points.
    public var abiVersion: Int
    /// The PluginAPI version the host ships.
    public var pluginAPIVersion: String
    /// The Swift toolchain the host was built with.
    public var toolchain: String
    /// The CPU architecture.
    public var architecture: String

    /// The values of this build of the host.
    public static let current = HostABI(
        abiVersion: AddonABI.version,
        pluginAPIVersion: AddonABI.pluginAPIVersion,
        toolchain: AddonABI.compiledToolchain.description,
        architecture: AddonABI.compiledArchitecture.description
    )

    /// Checks an addon's descriptor (or manifest values) against the host and names the first
    /// field that differs, with both values.
    public func check(_ addon: AddonDescriptor, library: String) throws {
        guard addon.abiVersion == abiVersion else {
            throw LoaderError(.abiMismatch, "\(library) uses addon ABI version \(addon.abiVersion); this host supports version \(abiVersion)")
        }
        guard addon.architecture == architecture else {
            throw LoaderError(.architectureMismatch, "\(library) was built for \(addon.architecture); this host runs on \(architecture)")
        }
        guard addon.toolchain == toolchain else {
            throw LoaderError(.toolchainMismatch, "\(library) was built with Swift \(addon.toolchain); this host was built with Swift \(toolchain). Swift's ABI is not stable across toolchains on Linux: rebuild the addon with Swift \(toolchain)")
        }
        guard Self.isCompatible(addonPluginAPI: addon.pluginAPIVersion, hostPluginAPI: pluginAPIVersion) else {
            throw LoaderError(.pluginAPIMismatch, "\(library) was built against PluginAPI \(addon.pluginAPIVersion); this host provides PluginAPI \(pluginAPIVersion) (same major version, host not older, needed)")
        }
    }

    /// An addon built against PluginAPI `a.b.c` runs on a host with PluginAPI `a.x.y` where `x.y >= b.c`.
    static func isCompatible(addonPluginAPI: String, hostPluginAPI: String) -> Bool {
        let addon = addonPluginAPI.split(separator: ".").compactMap { Int($0) }
        let host = hostPluginAPI.split(separator: ".").compactMap { Int($0) }
        guard addon.count == 3, host.count == 3, addon[0] == host[0] else { return false }
        return host.lexicographicallyPrecedes(addon) == false
    }
}

/// The values an addon library reports through `berth_addon_abi`.
public struct AddonDescriptor: Sendable, Hashable, Codable {
    /// The C-ABI version.
    public var abiVersion: Int
    /// The PluginAPI version it was built against.
    public var pluginAPIVersion: String
    /// The Swift toolchain it was built with.
    public var toolchain: String
    /// The CPU architecture.
    public var architecture: String

    /// Creates a descriptor.
    public init(abiVersion: Int, pluginAPIVersion: String, toolchain: String, architecture: String) {
        self.abiVersion = abiVersion
        self.pluginAPIVersion = pluginAPIVersion
        self.toolchain = toolchain
        self.architecture = architecture
    }
}
