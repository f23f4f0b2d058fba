import BerthHTTP
import BerthPackages
import PluginAPI

/// `/api/v1/trusted-keys`: the keys whose packages this host installs, listed, added and revoked
/// without a restart (the trust store re-reads its files when they change).
extension AdminAPI {
    struct TrustedKey: Encodable {
        let id: String
        let file: String?
        /// Installed addons whose package this key signed.
        let installedAddons: [String]
    }

    struct TrustedKeys: Encodable {
        let keys: [TrustedKey]
        let revoked: [String]
        /// Key files that could not be read, with the reason; the other keys apply.
        let problems: [String: String]
    }

    struct Revocation: Encodable {
        let revoked: String
        /// Installed addons signed by the revoked key: they keep running, but neither they nor any
        /// other package of that key can be installed, upgraded to or re-installed any more.
        let installedAddons: [String]
        let message: String
    }

    func registerTrustedKeys(in table: inout RoutingTable) throws {
        guard let trustStore else { return }
        try admin(.get, "/api/v1/trusted-keys", in: &table) { _, _ in
            JSONResponse.make(await listing(trustStore))
        }
        try admin(.post, "/api/v1/trusted-keys", in: &table, body: .buffered(limit: 64 << 10)) { request, _ in
            guard !request.body.isEmpty else { throw BerthError.badRequest("send the public key (PEM, '-----BEGIN PUBLIC KEY-----') as the request body") }
            let (key, added) = try Self.packageCall { () throws(PackageError) in try trustStore.add(pem: request.body) }
            let listed = await listing(trustStore).keys.first { $0.id == key.id }
            return JSONResponse.make(listed ?? TrustedKey(id: key.id, file: nil, installedAddons: []), status: added ? 201 : 200)
        }
        try admin(.delete, "/api/v1/trusted-keys/:id", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            let found = try Self.packageCall { () throws(PackageError) in try trustStore.revoke(id: id) }
            guard found else { throw BerthError.notFound("unknown_key", "no trusted key has the id '\(id)': GET /api/v1/trusted-keys lists them") }
            let installed = await manager.addons(signedBy: id)
            let message = installed.isEmpty
                ? "key \(id) is revoked: packages it signed can no longer be added or installed"
                : "key \(id) is revoked: packages it signed can no longer be added or installed; installed addons it signed keep running until you uninstall them: \(installed.joined(separator: ", "))"
            return JSONResponse.make(Revocation(revoked: id, installedAddons: installed, message: message))
        }
    }

    private func listing(_ trustStore: TrustStore) async -> TrustedKeys {
        let origins = trustStore.origins
        var keys: [TrustedKey] = []
        for key in trustStore.keys {
            keys.append(TrustedKey(id: key.id, file: origins[key.id], installedAddons: await manager.addons(signedBy: key.id)))
        }
        return TrustedKeys(keys: keys, revoked: trustStore.revokedIDs, problems: trustStore.problems)
    }

    /// Runs a trust store change, turning its error into the admin API's: a bad key is the caller's
    /// fault (400), a file that cannot be written the host's (500).
    private static func packageCall<Value>(_ body: () throws(PackageError) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            if error.code == "invalid_key_file" { throw BerthError.badRequest("the body is not a public key: \(error.message)") }
            throw BerthError.internalError("trust_store_failed", error.message, cause: error)
        }
    }
}
