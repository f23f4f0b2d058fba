import Foundation
import Glibc
import PluginAPI

/// The id and version the addon's Swift type reports, read from the built library so that `pack`
/// refuses a manifest that disagrees with it (the host would refuse it only at install, after the
/// package entered its catalog).
///
/// The library's `berth_addon_create` is the addon's own code, so it runs in a child addonctl
/// (`addonctl describe-library LIB`): a crash there is reported, not suffered.
enum AddonIdentity {
    /// Runs in the child: loads the library, creates the addon, prints its id and version.
    static func describe(_ path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw CLIError("\(path): cannot be loaded: \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        guard let symbol = dlsym(handle, "berth_addon_create") else {
            throw CLIError("\(path): does not export berth_addon_create; add the two @_cdecl entry points (see the README's addon guide)")
        }
        typealias Create = @convention(c) () -> UnsafeMutableRawPointer?
        guard let pointer = unsafeBitCast(symbol, to: Create.self)() else { throw CLIError("\(path): berth_addon_create returned nothing") }
        let addon = Unmanaged<AddonBox>.fromOpaque(pointer).takeRetainedValue().addon
        print(addon.id)
        print(addon.version)
    }

    /// Refuses `source` when the library's addon reports another id or version.
    static func check(_ library: String, against source: AddonSource, folder: String) throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let answer: String
        do {
            answer = try Shell.output([executable, "describe-library", library])
        } catch {
            throw CLIError("\(library): creating the addon to read its id and version failed (\(error)); does its initializer crash?")
        }
        let lines = answer.split(separator: "\n").map(String.init)
        guard lines.count >= 2 else { throw CLIError("\(library): the addon reported no id and version") }
        let (id, version) = (lines[lines.count - 2], lines[lines.count - 1])
        var differences: [String] = []
        if id != source.id { differences.append("id '\(source.id)' in addon.json but '\(id)' in the Swift type") }
        if version != source.version { differences.append("version '\(source.version)' in addon.json but '\(version)' in the Swift type") }
        guard differences.isEmpty else {
            throw CLIError("\(folder)/addon.json: does not match the built addon: \(differences.joined(separator: "; ")); make them the same (the host refuses the package otherwise)")
        }
    }
}
