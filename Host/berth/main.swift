import BerthCore
import BerthLoader
import Foundation

// `berth serve` runs the host; `berth probe` is the child the host spawns to look at a new addon
// library before loading it into itself.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: berth serve      serve the host (settings from BERTH_* environment variables)
           berth version    print the host's ABI, PluginAPI and toolchain
    """

switch arguments.first {
case "serve":
    do {
        let settings = try HostSettings(environment: ProcessInfo.processInfo.environment)
        try await BerthServer.serve(settings: settings, executable: Executable.path)
    } catch {
        FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
        exit(1)
    }
case "probe":
    exit(ProbeCommand.run(arguments: Array(arguments.dropFirst())))
case "version":
    let abi = HostABI.current
    print("berth ABI \(abi.abiVersion), PluginAPI \(abi.pluginAPIVersion), Swift \(abi.toolchain), \(abi.architecture)")
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(64)
}
