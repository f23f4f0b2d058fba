import BerthLoader
import Glibc
import PluginAPI

/// `GET /api/v1/host`: what addons must match, and the identity of this process's PluginAPI.
struct HostReport: Encodable, Sendable {
    let abiVersion: Int
    let pluginAPIVersion: String
    let toolchain: String
    let architecture: String
    /// Equal to what every addon reads from `AddonABI.runtimeToken` when there is one PluginAPI.
    let pluginAPIRuntimeToken: String
    let pid: Int32

    static var current: HostReport {
        let abi = HostABI.current
        return HostReport(
            abiVersion: abi.abiVersion, pluginAPIVersion: abi.pluginAPIVersion, toolchain: abi.toolchain,
            architecture: abi.architecture, pluginAPIRuntimeToken: String(AddonABI.runtimeToken), pid: getpid()
        )
    }
}
