import Dispatch
import Glibc

/// One TCP connection (optionally TLS) for line and frame protocols (Redis, SMTP).
///
/// Every operation runs on the connection's own serial dispatch queue — never on a Swift
/// concurrency thread — with a non-blocking socket and `poll` bounded by the operation's deadline.
/// `@unchecked Sendable`: the socket, TLS session and buffer are touched only on that queue.
public final class SocketConnection: @unchecked Sendable {
    let queue: DispatchQueue
    let channel: SocketChannel

    init(queue: DispatchQueue, channel: SocketChannel) {
        self.queue = queue
        self.channel = channel
    }

    /// Connects to `host:port` within `timeout`, with TLS from the first byte when `tls` is set.
    public static func connect(host: String, port: Int, timeout: Duration, tls: TLSOptions? = nil) async throws -> SocketConnection {
        let queue = DispatchQueue(label: "berth.providerkit.\(host):\(port)")
        let channel: SocketChannel = try await run(on: queue) {
            let channel = try SocketChannel.open(host: host, port: port, deadline: .now + timeout)
            do {
                if let tls { try channel.startTLS(tls, host: host) }
            } catch {
                channel.close()
                throw error
            }
            return channel
        }
        return SocketConnection(queue: queue, channel: channel)
    }

    /// Runs `body` on the connection's queue with a deadline of `timeout` for all its I/O; one
    /// exchange at a time, so a request and its reply are never interleaved with another's.
    public func exchange<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable (SocketChannel) throws -> T) async throws -> T {
        let channel = channel
        return try await Self.run(on: queue) {
            channel.deadline = .now + timeout
            return try body(channel)
        }
    }

    /// Closes the connection (queued after any exchange in progress).
    public func close() {
        let channel = channel
        queue.async { channel.close() }
    }

    deinit {
        let channel = channel
        queue.async { channel.close() }
    }

    static func run<T: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
