import Foundation
import Glibc

/// Who may read the home: only the user serving it. `.berth/` and every folder in it are 0700, and
/// the files that hold configuration or keys are 0600, homes made by earlier versions included.
extension BerthHome {
    /// The files at fixed places that hold configuration, keys or tokens.
    var privateFiles: [String] {
        [registryFile, adminTokenFile, sealingKeyFile, journalFile, revokedKeysFile, stateDirectory + "/node-id"]
    }

    /// Ids of trusted keys revoked through the admin API, one per line.
    public var revokedKeysFile: String { stateDirectory + "/revoked-keys" }

    /// The key that seals addons' configurations in the registry.
    public var sealingKeyFile: String { stateDirectory + "/secret.key" }

    /// Sets those modes, naming the path that refuses.
    func tightenPermissions() throws {
        var folders = [stateDirectory]
        folders += ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []).map { stateDirectory + "/" + $0 }
        for path in folders {
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { continue }
            try restrict(path, to: 0o700, from: status.st_mode)
        }
        var trusted = ((try? FileManager.default.contentsOfDirectory(atPath: trustedKeysDirectory)) ?? []).map { trustedKeysDirectory + "/" + $0 }
        trusted.removeAll { !$0.hasSuffix(".pub") }
        for path in privateFiles + trusted {
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            try restrict(path, to: 0o600, from: status.st_mode)
        }
    }

    private func restrict(_ path: String, to mode: mode_t, from current: mode_t) throws {
        guard current & 0o777 != mode else { return }
        guard chmod(path, mode) == 0 else {
            throw BerthError.internalError("home_permissions", "\(path) cannot be made private (mode \(String(mode, radix: 8))): \(String(cString: strerror(errno)))")
        }
    }
}
