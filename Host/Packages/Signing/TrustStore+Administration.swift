import Foundation
import Glibc

/// Adding and revoking trusted keys at run time (the admin API's `/api/v1/trusted-keys`).
extension TrustStore {
    /// Trusts the PEM public key `pem`: writes it as `<id>.pub` (mode 0600) into the store's folder
    /// and takes its id off the revoked list. Idempotent.
    /// - Returns: the key, and whether it was not trusted before.
    public func add(pem: [UInt8]) throws(PackageError) -> (key: PublicKey, added: Bool) {
        guard let source = liveSource else { throw PackageError.ioError("this trust store has no folder to add keys to") }
        let key = try PublicKey(pem: pem, source: "the uploaded key")
        let wasTrusted = self.key(id: key.id) != nil
        var revoked = TrustStoreSource.revokedIDs(in: source.revocationsFile)
        if revoked.remove(key.id) != nil { try Self.writeRevocations(revoked, to: source.revocationsFile) }
        let file = "\(source.directory)/\(key.id).pub"
        if !FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.createDirectory(atPath: source.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = "\(source.directory)/.\(key.id).\(getpid()).tmp"
            unlink(temporary)
            try KeyFile.write(try key.pemData, to: temporary, mode: 0o600)
            guard rename(temporary, file) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw PackageError.ioError("cannot write \(file): \(reason)")
            }
        }
        source.invalidate()
        return (key, !wasTrusted)
    }

    /// Stops trusting `id`: deletes the store folder's files holding it and lists the id as revoked,
    /// so a copy outside the folder (`BERTH_TRUSTED_KEYS`) no longer counts either.
    /// - Returns: false if the id was neither trusted nor revoked.
    public func revoke(id: String) throws(PackageError) -> Bool {
        guard let source = liveSource else { throw PackageError.ioError("this trust store cannot revoke keys") }
        let origins = self.origins
        var revoked = TrustStoreSource.revokedIDs(in: source.revocationsFile)
        guard key(id: id) != nil || revoked.contains(id) else { return false }
        if let file = origins[id], file.hasPrefix(source.directory + "/"), unlink(file) != 0, errno != ENOENT {
            throw PackageError.ioError("cannot delete \(file): \(String(cString: strerror(errno)))")
        }
        revoked.insert(id)
        try Self.writeRevocations(revoked, to: source.revocationsFile)
        source.invalidate()
        return true
    }

    private static func writeRevocations(_ ids: Set<String>, to file: String?) throws(PackageError) {
        guard let file else { throw PackageError.ioError("this trust store has no revocations file") }
        let text = ids.sorted().map { $0 + "\n" }.joined()
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            chmod(file, 0o600)
        } catch {
            throw PackageError.ioError("cannot write \(file)", underlying: error)
        }
    }
}
