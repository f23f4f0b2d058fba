import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Delivers signals to a closure on a dispatch queue, from the moment it is created.
final class SignalWatch: Sendable {
    // Dispatch sources are thread-safe; kept so they live as long as this object.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    /// Watches `signals`, calling `handler` with each one received.
    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        // The default action (terminate) must not run before the source takes over.
        signals.forEach { Glibc.signal($0, SIG_IGN) }
        sources = signals.map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }
}
