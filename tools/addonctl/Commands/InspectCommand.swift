import BerthPackages
import Foundation

/// `addonctl inspect <package>`: prints the manifest without verifying anything.
enum InspectCommand {
    static func run(_ options: Options) throws {
        let archive = try options.required(0, "package file")
        let manifest: Manifest
        do {
            manifest = try PackageVerifier.inspect(archive: archive)
        } catch {
            throw CLIError("\(archive): \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(manifest), as: UTF8.self))
    }
}
