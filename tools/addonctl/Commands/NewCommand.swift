import Foundation

/// `addonctl new <id>`: a ready-to-pack addon package outside the Berth repository.
enum NewCommand {
    static func run(_ options: Options) throws {
        let id = try options.required(0, "addon id")
        guard id.range(of: "^[a-z][a-z0-9_]{1,63}$", options: .regularExpression) != nil else {
            throw CLIError.usage("'\(id)' is not a valid addon id: lowercase letters, digits and _, starting with a letter, 2–64 characters")
        }
        let folder = options["dir"] ?? id
        guard let pluginAPI = options["plugin-api"] ?? ProcessInfo.processInfo.environment["BERTH_PLUGIN_API"] else {
            throw CLIError.usage("give the path of Berth's PluginAPI package with --plugin-api PATH (or BERTH_PLUGIN_API)")
        }
        let pluginAPIPath = URL(fileURLWithPath: pluginAPI).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: pluginAPIPath + "/Package.swift") else {
            throw CLIError("\(pluginAPIPath)/Package.swift: not found; --plugin-api must point at Berth's PluginAPI folder")
        }
        guard !FileManager.default.fileExists(atPath: folder) else { throw CLIError("\(folder): already exists") }
        let product = id.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let files = Scaffold.files(id: id, product: product, pluginAPIPath: pluginAPIPath)
        for (relative, contents) in files {
            let path = folder + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        }
        print("created \(folder)/ with addon \(id) (product \(product)); next: addonctl pack \(folder) --key KEY.key")
    }
}
