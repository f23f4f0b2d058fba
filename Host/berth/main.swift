import BerthCore
import BerthHTTP
import BerthLoader
import BerthSupervisor
import Foundation

// `berth serve` runs the host: a supervisor and its workers, or one process with `--workers 0`.
// `berth worker` is a worker the supervisor starts; `berth probe` is the child the host spawns to
// look at a new addon library before loading it into itself.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: berth serve [--workers N]   serve the host (settings from BERTH_* environment variables);
                                       N worker processes (default: one per core), 0 for one process
           berth version               print the host's ABI, PluginAPI and toolchain
    """

/// `--workers N` of `berth serve`, or nil if malformed.
func workerCount(_ options: ArraySlice<String>) -> Int? {
    guard !options.isEmpty else { return ServerConfiguration.processorCount }
    guard options.count == 2, options.first == "--workers", let count = Int(options.last!), count >= 0 else { return nil }
    return count
}

switch arguments.first {
case "serve":
    guard let workers = workerCount(arguments.dropFirst()) else {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(64)
    }
    do {
        // Secrets leave the environment before anything could read it (an addon, a child).
        let environment = SecretEnvironment.takeFromEnvironment()
        let settings = try HostSettings(environment: environment)
        if let home = try? BerthHome(root: settings.home) { RequestPolicies.resetMetrics(home: home) }
        if workers == 0 {
            try await BerthServer.serve(settings: settings, executable: Executable.path)
        } else {
            guard !settings.cluster else {
                throw BerthError(status: 500, code: "cluster_needs_one_process", message: "BERTH_CLUSTER=1 serves in one process for now: start it with berth serve --workers 0")
            }
            let supervisor = try SupervisorSettings(workers: workers, host: settings, environment: environment)
            exit(try await Supervisor.run(host: settings, settings: supervisor, executable: Executable.path))
        }
    } catch {
        FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
        exit(1)
    }
case "worker":
    exit(await WorkerCommand.run(arguments: Array(arguments.dropFirst())))
case "probe":
    exit(ProbeCommand.run(arguments: Array(arguments.dropFirst())))
case "version":
    let abi = HostABI.current
    print("berth ABI \(abi.abiVersion), PluginAPI \(abi.pluginAPIVersion), Swift \(abi.toolchain), \(abi.architecture)")
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(64)
}
