import BerthPackages
import Foundation

/// `addonctl keygen <name>`: an Ed25519 key pair, `<name>.key` (mode 0600) and `<name>.pub`.
enum KeygenCommand {
    static func run(_ options: Options) throws {
        let name = try options.required(0, "key name")
        let folder = options["out-dir"] ?? "."
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let privatePath = folder + "/\(name).key"
        let publicPath = folder + "/\(name).pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) already exists; refusing to overwrite a key")
        }
        let key = try SigningKey.generate()
        try key.writePEM(to: privatePath)
        chmod(privatePath, 0o600)
        try key.publicKey.writePEM(to: publicPath)
        print("wrote \(privatePath) (private, mode 0600) and \(publicPath) (public); key id \(key.publicKey.id)")
        print("trust it on a host: POST it to /api/v1/trusted-keys, or copy \(publicPath) into <home>/.berth/trusted-keys/ (both apply without a restart), or list it in BERTH_TRUSTED_KEYS")
    }
}
