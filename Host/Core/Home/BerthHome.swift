import Foundation

/// The folders and files of one Berth home: `addon_registry.json` at its top, the rest under
/// `.berth/`.
public struct BerthHome: Sendable {
    /// The home's top folder, absolute.
    public let root: String

    /// Uses `root` as the home, creating the folders it needs.
    public init(root: String) throws {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = absolute
        for folder in [stateDirectory, catalogDirectory, incomingDirectory, addonsDirectory, dataDirectory, stagingDirectory, spoolDirectory, trustedKeysDirectory, stateDirectory + "/kept"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // The mutation lock's file exists from the start, so taking the lock changes nothing on disk.
        if !FileManager.default.fileExists(atPath: lockFile) {
            _ = FileManager.default.createFile(atPath: lockFile, contents: nil, attributes: [.posixPermissions: 0o600])
        }
    }

    /// `.berth/`.
    public var stateDirectory: String { root + "/.berth" }
    /// The registry of installed addons.
    public var registryFile: String { root + "/addon_registry.json" }
    /// Validated packages, `<id>/<version>/package.berth`.
    public var catalogDirectory: String { stateDirectory + "/catalog" }
    /// Archives dropped here are validated into the catalog at start.
    public var incomingDirectory: String { catalogDirectory + "/incoming" }
    /// Installed addons, `<id>/<version>-<install id>/`.
    public var addonsDirectory: String { stateDirectory + "/addons" }
    /// Addons' databases, `<id>.sqlite`.
    public var dataDirectory: String { stateDirectory + "/data" }
    /// Packages being verified or installed.
    public var stagingDirectory: String { stateDirectory + "/staging" }
    /// Request bodies spooled to disk (package uploads).
    public var spoolDirectory: String { stateDirectory + "/spool" }
    /// Public keys trusted to sign packages, `*.pub`.
    public var trustedKeysDirectory: String { stateDirectory + "/trusted-keys" }
    /// The generated admin token.
    public var adminTokenFile: String { stateDirectory + "/admin-token" }

    /// A path relative to the home, for answers and the registry.
    public func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// An absolute path from one relative to the home.
    public func absolute(_ relativePath: String) -> String {
        relativePath.hasPrefix("/") ? relativePath : root + "/" + relativePath
    }
}
