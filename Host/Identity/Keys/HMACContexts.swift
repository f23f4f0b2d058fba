import COpenSSL
import Synchronization

/// Keyed HMAC contexts of one shared secret, kept between verifications.
///
/// OpenSSL 3's one-shot `HMAC()` fetches the MAC and the digest and keys a fresh context on every
/// call; here the MAC is fetched once, a context is keyed once per digest, and a finished one is
/// re-initialised with its key (`EVP_MAC_init` with no key) and put back for the next token.
/// A few idle contexts per digest are kept, one per thread verifying at the same time; more are
/// freed.
///
/// `@unchecked Sendable`: the contexts are only reached through the mutex, and a context taken
/// from it is used by one thread until it is given back; the `EVP_MAC` is never changed.
final class HMACContexts: @unchecked Sendable {
    private let secret: [UInt8]
    private let mac: OpaquePointer?
    /// An idle context. `@unchecked Sendable`: it belongs to the pool while idle and to the one
    /// thread that took it while in use, never to two at once.
    private struct Idle: @unchecked Sendable {
        let context: OpaquePointer
    }

    /// Idle keyed contexts, by digest size (32, 48, 64).
    private let idle = Mutex<[Int: [Idle]]>([:])
    private static let idleLimit = 8

    init(secret: [UInt8]) {
        self.secret = secret
        self.mac = EVP_MAC_fetch(nil, "HMAC", nil)
    }

    deinit {
        idle.withLock { idle in
            for contexts in idle.values { contexts.forEach { EVP_MAC_CTX_free($0.context) } }
            idle.removeAll()
        }
        EVP_MAC_free(mac)
    }

    /// The HMAC of `input` with the digest of `digestBytes` bytes (SHA-256, -384 or -512), written
    /// to `output` (room for at least `digestBytes`); nil if libcrypto failed.
    func authenticate(_ input: UnsafeRawBufferPointer, digestBytes: Int, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard output.count >= digestBytes, let context = take(digestBytes: digestBytes) else { return nil }
        var length = 0
        let done = EVP_MAC_update(context, input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count) == 1
            && EVP_MAC_final(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, output.count) == 1
        give(context, digestBytes: digestBytes, reusable: done)
        return done ? length : nil
    }

    /// An idle context for the digest, else a new one keyed with the secret.
    private func take(digestBytes: Int) -> OpaquePointer? {
        if let taken = idle.withLock({ $0[digestBytes]?.popLast() }) { return taken.context }
        guard let mac, let context = EVP_MAC_CTX_new(mac) else { return nil }
        let name = switch digestBytes {
        case 32: "SHA256"
        case 48: "SHA384"
        default: "SHA512"
        }
        // OSSL_PARAM keeps both names' pointers: the parameters live inside their scopes.
        let keyed = "digest".withCString { field in
            name.withCString { digest in
                secret.withUnsafeBufferPointer { key in
                    var parameters = [
                        OSSL_PARAM_construct_utf8_string(field, UnsafeMutablePointer(mutating: digest), 0),
                        OSSL_PARAM_construct_end(),
                    ]
                    return EVP_MAC_init(context, key.baseAddress, key.count, &parameters) == 1
                }
            }
        }
        guard keyed else {
            EVP_MAC_CTX_free(context)
            return nil
        }
        return context
    }

    /// Re-initialises a used context with its key and keeps it, unless enough are idle.
    private func give(_ context: OpaquePointer, digestBytes: Int, reusable: Bool) {
        guard reusable, EVP_MAC_init(context, nil, 0, nil) == 1 else {
            EVP_MAC_CTX_free(context)
            return
        }
        let kept = idle.withLock { idle in
            guard idle[digestBytes, default: []].count < Self.idleLimit else { return false }
            idle[digestBytes, default: []].append(Idle(context: context))
            return true
        }
        if !kept { EVP_MAC_CTX_free(context) }
    }
}
