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

extension BerthHome {
    /// Installed addons' folders and databases present in the home, relative to it.
    func addonLeftovers() -> [String] {
        var found: [String] = []
        for folder in [addonsDirectory, dataDirectory] {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() where !name.hasPrefix(".") {
                found.append(relative(folder + "/" + name))
            }
        }
        return found
    }
}

extension BerthHome {
    /// Fails, naming the folder and the system's reason, when the home cannot be written: every
    /// change writes the registry at its top and the journal and lock under `.berth/`. Without this
    /// a read-only home would only show up later, as a lock that cannot be taken.
    func checkWritable() throws {
        for folder in [root, stateDirectory] {
            let probe = folder + "/.berth-write-check-\(getpid())"
            let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                let code = errno
                let reason = code == EROFS ? "it is on a read-only file system" : String(cString: strerror(code))
                throw BerthError.internalError("home_not_writable", "the home folder \(folder) cannot be written (\(reason)): Berth keeps its registry, journal and lock there. Mount it read-write, fix its owner or mode, or point BERTH_HOME at a writable folder")
            }
            close(descriptor)
            unlink(probe)
        }
    }
}
