import BerthPackages
import Foundation

/// What every process serving a home opens first: the home's folders, the admin token (generated
/// once if unset) and the trust store.
struct HomeParts: Sendable {
    let home: BerthHome
    let token: String
    /// The line announcing a token generated just now, to be printed once.
    let tokenNotice: String?
    let trustStore: TrustStore

    init(settings: HostSettings) throws {
        home = try BerthHome(root: settings.home)
        try home.checkWritable()
        try home.tightenPermissions()
        let registry = RegistryStore(path: home.registryFile, keyFile: home.sealingKeyFile)
        try registry.refuseMissingRegistry(leftovers: home.addonLeftovers(), interruptedOperation: FileManager.default.fileExists(atPath: home.journalFile))
        // A registry from before sealing holds configurations in plain text: seal it now.
        try registry.sealIfNeeded()
        let (token, generated) = try AdminToken.resolve(settings: settings, home: home)
        self.token = token
        tokenNotice = generated ? "admin token (stored with mode 0600 in \(home.relative(home.adminTokenFile))): \(token)\n" : nil
        do {
            trustStore = try TrustStore(directory: home.trustedKeysDirectory, extraFiles: settings.trustedKeyFiles, revocationsFile: home.revokedKeysFile)
        } catch {
            throw BerthError(status: 500, code: "invalid_trusted_key", message: "\(error)", cause: error)
        }
    }
}
