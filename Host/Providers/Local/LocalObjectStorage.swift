import Foundation
import Glibc
import PluginAPI

/// The `local` storage provider: objects are files under a folder of the home
/// (`objects/<key>`, with the content type beside them in `meta/<key>`), written through a
/// temporary file and a rename. Presigned URLs point at the host itself, which checks them with
/// ``PresignedURLSigner`` (see ``serve(method:query:body:)``).
public struct LocalObjectStorage: ObjectStorage {
    let root: String
    let signer: PresignedURLSigner
    /// The host's own address, e.g. `http://127.0.0.1:8080`.
    let baseURL: String

    /// A store under `root`, issuing URLs on `baseURL` signed by `signer`.
    public init(root: String, signer: PresignedURLSigner, baseURL: String) {
        self.root = root
        self.signer = signer
        self.baseURL = baseURL
    }

    private func objectPath(_ key: String) -> String { root + "/objects/" + key }
    private func metaPath(_ key: String) -> String { root + "/meta/" + key }

    static func isSafe(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix("/") && !key.utf8.contains(0)
            && !key.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    private func checked(_ key: String) throws -> String {
        guard Self.isSafe(key) else { throw ProviderError.invalidArgument("object key '\(key)' must be relative, without empty, '.' or '..' parts").httpError }
        return key
    }

    public func put(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject {
        let key = try checked(key)
        try write(Data(data), to: objectPath(key))
        try write(Data((contentType ?? "").utf8), to: metaPath(key))
        return StoredObject(key: key, size: data.count, contentType: contentType)
    }

    private func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = directory + "/.tmp-\(getpid())-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ProviderError.unavailable("cannot write \(temporary)").httpError
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ProviderError.unavailable("cannot store \(path): \(String(cString: strerror(errno)))").httpError
        }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        FileManager.default.contents(atPath: objectPath(try checked(key))).map(Array.init)
    }

    public func head(_ key: String) async throws -> StoredObject? {
        let key = try checked(key)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: objectPath(key)) else { return nil }
        let type = FileManager.default.contents(atPath: metaPath(key)).flatMap { String(data: $0, encoding: .utf8) }
        return StoredObject(key: key, size: (attributes[.size] as? Int) ?? 0, contentType: type?.isEmpty == false ? type : nil)
    }

    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        let key = try checked(key)
        unlink(metaPath(key))
        return unlink(objectPath(key)) == 0
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        let base = root + "/objects"
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var keys: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if relative.hasPrefix(prefix), !(relative as NSString).lastPathComponent.hasPrefix(".tmp-"),
               FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                keys.append(relative)
            }
        }
        var objects: [StoredObject] = []
        for key in keys.sorted() { if let object = try await head(key) { objects.append(object) } }
        return objects
    }

    public func presignedGetURL(_ key: String, expiry: Duration) async throws -> PresignedURL {
        let expires = try Self.deadline(expiry)
        let query = signer.query(method: "GET", key: try checked(key), expires: expires, contentType: nil)
        return PresignedURL(url: baseURL + PresignedURLSigner.path + "?" + query, method: .get, expiresAt: Double(expires))
    }

    public func presignedPutURL(_ key: String, contentType: String?, expiry: Duration) async throws -> PresignedURL {
        let expires = try Self.deadline(expiry)
        let query = signer.query(method: "PUT", key: try checked(key), expires: expires, contentType: contentType)
        var headers = HTTPHeaders()
        if let contentType { headers["Content-Type"] = contentType }
        return PresignedURL(url: baseURL + PresignedURLSigner.path + "?" + query, method: .put, headers: headers, expiresAt: Double(expires))
    }

    static func deadline(_ expiry: Duration) throws -> Int {
        let seconds = Int(expiry.components.seconds)
        guard seconds >= 1, seconds <= 7 * 24 * 3600 else {
            throw ProviderError.invalidArgument("a presigned URL lasts between 1 second and 7 days, not \(expiry)").httpError
        }
        return Int(Date().timeIntervalSince1970) + seconds
    }

    /// Answers a request for a presigned URL: checks the signature and the expiry, then reads or
    /// writes the object. `query` holds the URL's decoded query parameters.
    public func serve(method: String, query: [String: String], body: [UInt8], contentType: String?) async throws -> (status: Int, body: [UInt8], contentType: String?) {
        let signedType = method == "PUT" ? query["content_type"] : nil
        try signer.verify(method: method, key: query["key"], expires: query["expires"], contentType: signedType, signature: query["signature"], now: Int(Date().timeIntervalSince1970))
        let key = try checked(query["key"] ?? "")
        switch method {
        case "GET":
            guard let data = try await get(key) else { throw ProviderError.notFound("there is no object \(key)") }
            return (200, data, try await head(key)?.contentType)
        case "PUT":
            if let signedType, signedType != contentType {
                throw ProviderError.invalidArgument("this URL was signed for Content-Type \(signedType), the request sent \(contentType ?? "none")")
            }
            _ = try await put(key, body, contentType: signedType ?? contentType)
            return (200, [], nil)
        default:
            throw ProviderError.invalidArgument("presigned storage URLs take GET or PUT, not \(method)")
        }
    }
}
