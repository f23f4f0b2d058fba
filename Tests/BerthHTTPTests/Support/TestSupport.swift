import BerthHTTP
import Foundation
import PluginAPI

/// Runs blocking work (socket I/O, `stop()`) on a fresh thread, so that it never occupies the
/// cooperative pool the server's suspended handlers need to finish: on a 2-core machine the pool has
/// two threads, and blocking them would stall every handler that awaits.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// Starting servers on ephemeral ports for tests.
enum TestServer {
    /// Starts a server on 127.0.0.1 with an ephemeral port and the routes `build` registers.
    static func start(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        routes build: (inout RoutingTable) throws -> Void
    ) throws -> HTTPServer {
        var routes = RoutingTable()
        try build(&routes)
        var configuration = ServerConfiguration(port: 0, threads: 2, idleTimeoutSeconds: 10)
        configure(&configuration)
        let server = HTTPServer(configuration: configuration, routes: routes)
        try server.start()
        return server
    }

    /// A fresh private directory for spooled bodies.
    static func makeSpoolDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A handler that answers `text` at once, without suspending.
func immediate(_ text: String) -> EndpointHandler {
    { _, _ in .text(text) }
}

/// A handler that suspends for `delay` before answering `text`.
func suspending(_ text: String, for delay: Duration = .milliseconds(20)) -> EndpointHandler {
    { _, _ in
        try? await Task.sleep(for: delay)
        return .text(text)
    }
}
