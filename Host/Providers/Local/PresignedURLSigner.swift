import COpenSSL
import Foundation
import Glibc

/// Signs and checks the presigned URLs of the `local` storage provider: HMAC-SHA256, with a key
/// kept in the home (mode 0600, shared by every worker), over the method, the object key, the
/// expiry and the content type. A URL is refused once expired, or if any part of it was changed;
/// signatures are compared in constant time.
public struct PresignedURLSigner: Sendable {
    /// The path the host serves presigned requests at.
    public static let path = "/api/v1/providers/storage/object"

    let key: [UInt8]

    /// A signer with `key`.
    public init(key: [UInt8]) {
        self.key = key
    }

    /// The signer whose key is in `file`, created (32 random bytes, mode 0600) if absent.
    public static func loading(keyFile file: String) throws -> PresignedURLSigner {
        if let data = FileManager.default.contents(atPath: file), data.count == 32 { return PresignedURLSigner(key: Array(data)) }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&bytes, 32) == 1 else { throw ProviderError.unavailable("no random bytes for the storage signing key") }
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Two workers starting together: the first to link its file wins, the other reads it.
        let temporary = file + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw ProviderError.unavailable("cannot write \(temporary)")
        }
        defer { unlink(temporary) }
        if link(temporary, file) != 0, errno != EEXIST {
            throw ProviderError.unavailable("cannot create \(file): \(String(cString: strerror(errno)))")
        }
        guard let data = FileManager.default.contents(atPath: file), data.count == 32 else {
            throw ProviderError.unavailable("\(file) does not hold a 32-byte key: remove it while the host is stopped")
        }
        return PresignedURLSigner(key: Array(data))
    }

    /// The hex signature of one request.
    public func signature(method: String, key objectKey: String, expires: Int, contentType: String?) -> String {
        let text = Array("\(method)\n\(objectKey)\n\(expires)\n\(contentType ?? "")".utf8)
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { secret in
            text.withUnsafeBufferPointer { data in
                _ = HMAC(EVP_sha256(), secret.baseAddress, Int32(secret.count), data.baseAddress, data.count, &output, &length)
            }
        }
        return output.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// The query of a presigned URL.
    public func query(method: String, key objectKey: String, expires: Int, contentType: String?) -> String {
        var parts = ["key=\(Self.encode(objectKey))", "expires=\(expires)"]
        if let contentType { parts.append("content_type=\(Self.encode(contentType))") }
        parts.append("signature=\(signature(method: method, key: objectKey, expires: expires, contentType: contentType))")
        return parts.joined(separator: "&")
    }

    /// Checks a presigned request.
    /// - Throws: 403 `presigned_url_expired` or `presigned_url_invalid`, 400 when a part is missing.
    public func verify(method: String, key objectKey: String?, expires: String?, contentType: String?, signature: String?, now: Int) throws(ProviderError) {
        guard let objectKey, let expires, let signature else {
            throw .invalidArgument("a presigned storage URL needs key, expires and signature")
        }
        guard let deadline = Int(expires) else { throw .invalidArgument("expires=\(expires) is not a number of seconds") }
        let expected = Array(self.signature(method: method, key: objectKey, expires: deadline, contentType: contentType).utf8)
        let given = Array(signature.lowercased().utf8)
        let matches = expected.count == given.count && expected.withUnsafeBytes { a in given.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 } }
        guard matches else { throw .presignedInvalid() }
        guard now <= deadline else { throw .presignedExpired(deadline) }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
