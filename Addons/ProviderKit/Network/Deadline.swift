import Synchronization

/// Runs `operation` and gives up with a ``ProviderError`` (`provider_timed_out`) once `timeout`
/// has passed: the caller is answered at the deadline even if the operation is stuck in a call
/// that ignores cancellation (it is cancelled and its late result dropped).
public func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = OnceResume<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.install(continuation)
        let work = Task {
            do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: timeout)
            if once.resume(.failure(ProviderError(.timedOut, "\(what) did not finish within \(timeout)"))) { work.cancel() }
        }
    }
}

/// Resumes a continuation at most once, from whichever side finishes first.
final class OnceResume<T: Sendable>: Sendable {
    private let state = Mutex<(CheckedContinuation<T, any Error>?, Bool)>((nil, false))

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.0 = continuation }
    }

    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { value in
            guard !value.1, let c = value.0 else { return nil }
            value.1 = true
            return c
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}
