import PluginAPI
import ProviderKit

/// Supplies the storage provider `s3` over the host's HTTP client (so only the hosts the manifest
/// grants are reached).
///
/// The client is rebuilt from the configuration at every call, so a configuration change applies
/// at once.
struct S3ProviderAddon: Addon {
    var id: String { "s3" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        _ = try S3Settings.client(context.configuration, http: context.http)
        let storage = S3Storage(configuration: { context.configuration }, http: context.http)
        try context.offer(.storage("s3", storage, health: { storage.problem() }))
    }

    func register(_ router: inout Router) {
        // Where objects go (never the keys), for the administrator.
        router.get("/bucket") { _, context in
            let client = try S3Settings.client(context.configuration, http: context.http)
            return try .json(["endpoint": "\(client.endpoint.scheme)://\(client.endpoint.host)\(client.endpoint.basePath)", "bucket": client.bucket, "region": client.endpoint.region])
        }
    }
}

/// The `s3` provider: each call goes to ``S3Client`` built from the current configuration, and
/// its failures reach the caller as ``HTTPError``s.
struct S3Storage: ObjectStorage {
    let configuration: @Sendable () -> AddonConfiguration
    let http: any HTTPClient

    func client() throws -> S3Client { try S3Settings.client(configuration(), http: http) }

    func problem() -> String? {
        do {
            _ = try client()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func put(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject {
        try await mapped { try await client().put(key, data, contentType: contentType) }
    }

    func get(_ key: String) async throws -> [UInt8]? {
        try await mapped { try await client().get(key) }
    }

    func head(_ key: String) async throws -> StoredObject? {
        try await mapped { try await client().head(key) }
    }

    func delete(_ key: String) async throws -> Bool {
        try await mapped { try await client().delete(key) }
    }

    func list(prefix: String) async throws -> [StoredObject] {
        try await mapped { try await client().list(prefix: prefix) }
    }

    func presignedGetURL(_ key: String, expiry: Duration) async throws -> PresignedURL {
        try await mapped { try await client().presignedGetURL(key, expiry: expiry) }
    }

    func presignedPutURL(_ key: String, contentType: String?, expiry: Duration) async throws -> PresignedURL {
        try await mapped { try await client().presignedPutURL(key, contentType: contentType, expiry: expiry) }
    }

    /// Runs `call`, turning a client failure into the ``HTTPError`` the host answers with.
    func mapped<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as ProviderError {
            throw error.httpError
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(S3ProviderAddon()) }
