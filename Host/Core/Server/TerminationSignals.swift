import Dispatch
import Glibc

/// SIGINT and SIGTERM, delivered as an async sequence from the moment this is created.
final class TerminationSignals: Sendable {
    private let stream: AsyncStream<Int32>
    // Dispatch sources are thread-safe; kept so they live as long as this object.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    init() {
        let signals = [SIGINT, SIGTERM]
        signals.forEach { Glibc.signal($0, SIG_IGN) }
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }

    /// Suspends until the next signal.
    func next() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }
}
