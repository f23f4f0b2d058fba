/// The C-ABI handshake between the host and an addon library.
///
/// An addon exports two C functions (see <doc:ABI-and-versioning>):
///
/// ```swift
/// @_cdecl("berth_addon_abi")
/// public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }
///
/// @_cdecl("berth_addon_create")
/// public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(MyAddon()) }
/// ```
///
/// The host calls `berth_addon_abi` first: it passes and returns only C types, and its answers are
/// compiled into the addon (they are emitted into the client), so the host learns the ABI version,
/// PluginAPI version and toolchain the addon was built with before any Swift type crosses.
public enum AddonABI {
    /// Field of `berth_addon_abi`: the ABI version, as decimal text.
    public static let abiVersionField: Int32 = 0
    /// Field of `berth_addon_abi`: the PluginAPI version the addon was built against.
    public static let pluginAPIVersionField: Int32 = 1
    /// Field of `berth_addon_abi`: the Swift toolchain the addon was built with, e.g. `6.3.1`.
    public static let toolchainField: Int32 = 2
    /// Field of `berth_addon_abi`: the CPU architecture, e.g. `x86_64`.
    public static let architectureField: Int32 = 3

    /// The ABI version this copy of PluginAPI implements: ``compiledABIVersion`` as a number.
    public static let version = Int(compiledABIVersion.description)!

    /// The version of this copy of PluginAPI: ``compiledPluginAPIVersion``.
    public static let pluginAPIVersion = compiledPluginAPIVersion.description

    /// A value chosen when this copy of PluginAPI was loaded; an addon that reads a different value
    /// has loaded a second copy of PluginAPI.
    public static let runtimeToken = UInt64.random(in: 1 ... .max)

    /// Answers `berth_addon_abi(field)` with values fixed when the caller was compiled.
    ///
    /// The field numbers are the literals of ``abiVersionField`` … ``architectureField``, spelled
    /// out so that the answer touches nothing in the host's copy of PluginAPI.
    @_alwaysEmitIntoClient
    public static func describe(_ field: Int32) -> UnsafePointer<CChar>? {
        let text: StaticString
        switch field {
        case 0: text = compiledABIVersion
        case 1: text = compiledPluginAPIVersion
        case 2: text = compiledToolchain
        case 3: text = compiledArchitecture
        default: return nil
        }
        return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    /// The ABI version the caller was compiled against: the one literal that ``version``, the
    /// host's check and every addon's `berth_addon_abi` answer come from.
    @_alwaysEmitIntoClient
    public static var compiledABIVersion: StaticString { "1" }

    /// The PluginAPI version the caller was compiled against: the one literal that
    /// ``pluginAPIVersion``, the host's check and every addon's `berth_addon_abi` answer come from.
    @_alwaysEmitIntoClient
    public static var compiledPluginAPIVersion: StaticString { "1.3.0" }

    /// The Swift toolchain the caller was compiled with.
    @_alwaysEmitIntoClient
    public static var compiledToolchain: StaticString {
        #if compiler(>=6.5)
        "6.5-or-later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3.2)
        "6.3.2"
        #elseif compiler(>=6.3.1)
        "6.3.1"
        #elseif compiler(>=6.3)
        "6.3.0"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1-or-earlier"
        #endif
    }

    /// The CPU architecture the caller was compiled for.
    @_alwaysEmitIntoClient
    public static var compiledArchitecture: StaticString {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }

    /// Hands a new addon instance to the host as a retained opaque pointer.
    public static func export(_ addon: any Addon) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(AddonBox(addon)).toOpaque()
    }
}

/// The box an addon instance crosses the C boundary in; the host takes ownership of it.
public final class AddonBox: Sendable {
    /// The addon instance.
    public let addon: any Addon

    /// Boxes an addon.
    public init(_ addon: any Addon) {
        self.addon = addon
    }
}
