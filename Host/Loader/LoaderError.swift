/// Why an addon library was refused; every case names its exact cause.
public struct LoaderError: Error, CustomStringConvertible, Sendable {
    enum Code: String {
        case notSharedObject = "not_shared_object"
        case openFailed = "dlopen_failed"
        case missingEntry = "missing_entry"
        case abiMismatch = "abi_mismatch"
        case toolchainMismatch = "toolchain_mismatch"
        case architectureMismatch = "architecture_mismatch"
        case pluginAPIMismatch = "plugin_api_mismatch"
        case notAnAddon = "not_an_addon"
        case identityMismatch = "identity_mismatch"
        case duplicatePluginAPI = "duplicate_plugin_api"
        case probeCrashed = "probe_crashed"
        case probeTimedOut = "probe_timed_out"
        case probeFailed = "probe_failed"
    }

    let kind: Code

    /// A stable code, e.g. `toolchain_mismatch`.
    public var code: String { kind.rawValue }

    /// What happened, naming the values involved.
    public let message: String

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Rebuilds an error reported by a probe child from its code and message.
    init(code: String, message: String) {
        self.kind = Code(rawValue: code) ?? .probeFailed
        self.message = message
    }
}
