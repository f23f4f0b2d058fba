import BerthPackages
import Foundation

/// `addonctl verify <package>`: the host's own checks — signature by a trusted key, manifest, and
/// every file's hash — with the host's extraction limits.
enum VerifyCommand {
    static func run(_ options: Options) throws {
        let archive = try options.required(0, "package file")
        let trustStore: TrustStore
        do {
            if let key = options["key"] {
                trustStore = TrustStore(keys: [try PublicKey(pemFile: key)])
            } else if let folder = options["trusted-keys"] {
                trustStore = try TrustStore(directory: folder)
            } else {
                throw CLIError.usage("give the public key to trust: --key KEY.pub or --trusted-keys DIR")
            }
        } catch let error as PackageError {
            throw CLIError("\(error)")
        }
        let staging = NSTemporaryDirectory() + "addonctl-verify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        do {
            let package = try PackageVerifier(trustStore: trustStore).verify(archive: archive, stagingDirectory: staging)
            let manifest = package.manifest
            print("\(archive): ok — \(manifest.id) \(manifest.version), signed by \(package.signerKeyID), \(manifest.files.count) files verified, sha256 \(package.archiveSHA256)")
        } catch {
            throw CLIError("\(archive): \(error.code): \(error.message)")
        }
    }
}
