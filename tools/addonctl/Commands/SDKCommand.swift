import Foundation

/// `addonctl sdk install [--to DIR]`: copies the Berth SDK (PluginAPI and PluginAPITesting, with a
/// VERSION file) to a stable place that addon packages reference through `BERTH_SDK` or their
/// own `.berth-sdk/`; `addonctl sdk version` prints the version this addonctl installs.
enum SDKCommand {
    static func run(_ options: Options) throws {
        switch options.positional.first {
        case "install":
            let destination = options["to"] ?? SDKFolder.defaultLocation
            try SDKFolder.install(from: try SDKFolder.source(options["plugin-api"]), to: destination)
            let path = URL(fileURLWithPath: destination).standardizedFileURL.path
            print("installed the Berth SDK \(SDKFolder.version) in \(path); addons find it with BERTH_SDK=\(path)")
        case "version":
            print(SDKFolder.version)
        default:
            throw CLIError.usage("usage: addonctl sdk install [--to DIR] [--plugin-api PATH] | addonctl sdk version")
        }
    }
}
