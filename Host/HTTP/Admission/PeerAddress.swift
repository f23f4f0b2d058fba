import BerthTraffic
#if canImport(Glibc)
import Glibc
#endif

/// A client's IP address (without its port), the key of the per-address connection limit.
struct PeerAddress: Hashable, Sendable {
    private let high: UInt64
    private let low: UInt64

    init(_ storage: sockaddr_storage) {
        var storage = storage
        self = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { PeerAddress($0) } }
    }

    init(_ address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let ipv4 = UnsafeRawPointer(address).load(as: sockaddr_in.self)
            (high, low) = (UInt64(AF_INET), UInt64(ipv4.sin_addr.s_addr))
        case AF_INET6:
            let ipv6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            let words = withUnsafeBytes(of: ipv6.sin6_addr) { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
            (high, low) = words
        default:
            (high, low) = (0, 0)
        }
    }

    /// The address's key in the host's shared admission table (``SharedKeyHash`` of its 16 bytes).
    func sharedHash(seed: UInt64) -> UInt64 {
        withUnsafeBytes(of: (high, low)) { SharedKeyHash.hash(seed: seed, $0) }
    }
}
