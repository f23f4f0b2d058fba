import Foundation
import PluginAPI

/// The Berth SDK as addon packages depend on it: a folder holding `VERSION` and `PluginAPI/` (the
/// PluginAPI package with its PluginAPITesting library), copied from a Berth checkout with every
/// symbolic link resolved, so it builds wherever it is copied to (another machine, a CI runner).
enum SDKFolder {
    /// The PluginAPI version this addonctl was built with, which the SDK it installs carries.
    static var version: String { AddonABI.pluginAPIVersion }

    /// `~/.berth/sdk/<version>`.
    static var defaultLocation: String {
        FileManager.default.homeDirectoryForCurrentUser.path + "/.berth/sdk/" + version
    }

    /// The PluginAPI package to copy: `explicit`, else `$BERTH_PLUGIN_API`, else the checkout this
    /// addonctl was built in (found above the executable).
    static func source(_ explicit: String?) throws -> String {
        if let given = explicit ?? ProcessInfo.processInfo.environment["BERTH_PLUGIN_API"] {
            let path = URL(fileURLWithPath: given).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path + "/Package.swift") else {
                throw CLIError("\(path)/Package.swift: not found; --plugin-api must point at Berth's PluginAPI folder")
            }
            return path
        }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.path + "/PluginAPI/Package.swift") { return folder.path + "/PluginAPI" }
            folder.deleteLastPathComponent()
        }
        throw CLIError.usage("cannot find Berth's PluginAPI package near this addonctl; give --plugin-api PATH (or BERTH_PLUGIN_API)")
    }

    /// Copies the SDK from the PluginAPI package `source` to `destination`, replacing an older
    /// copy there. The copy is written beside the destination and renamed into place, so a
    /// failed copy leaves the old SDK as it was.
    static func install(from source: String, to destination: String) throws {
        let manager = FileManager.default
        let target = URL(fileURLWithPath: destination).standardizedFileURL.path
        let staging = target + ".partial-\(UUID().uuidString.prefix(8))"
        try manager.createDirectory(atPath: staging + "/PluginAPI", withIntermediateDirectories: true)
        do {
            try copyResolved(source + "/Package.swift", to: staging + "/PluginAPI/Package.swift")
            guard let enumerator = manager.enumerator(atPath: source + "/Sources") else { throw CLIError("\(source)/Sources: cannot be read") }
            while let relative = enumerator.nextObject() as? String {
                let from = source + "/Sources/" + relative
                let resolved = URL(fileURLWithPath: from).resolvingSymlinksInPath().path
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: resolved, isDirectory: &isDirectory) else { throw CLIError("\(from): a link to nothing") }
                if isDirectory.boolValue {
                    try manager.createDirectory(atPath: staging + "/PluginAPI/Sources/" + relative, withIntermediateDirectories: true)
                } else {
                    try copyResolved(from, to: staging + "/PluginAPI/Sources/" + relative)
                }
            }
            try Data((version + "\n").utf8).write(to: URL(fileURLWithPath: staging + "/VERSION"))
            if manager.fileExists(atPath: target) { try manager.removeItem(atPath: target) }
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try manager.moveItem(atPath: staging, toPath: target)
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error as? CLIError ?? CLIError("\(target): the SDK cannot be written: \(error.localizedDescription)")
        }
    }

    private static func copyResolved(_ from: String, to: String) throws {
        guard let data = FileManager.default.contents(atPath: URL(fileURLWithPath: from).resolvingSymlinksInPath().path) else {
            throw CLIError("\(from): cannot be read")
        }
        try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: to))
    }
}
