import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Connections the gate has handed to libmicrohttpd whose first request has not reached the access
/// handler yet, marked by socket descriptor.
///
/// A drain waits for this count to reach zero besides the active requests: a head the gate let
/// through is in the socket already, so its request is served rather than refused with 503, however
/// long the polling thread takes to get to it (a loaded machine, a lane being taken over). A mark
/// is cleared by the connection's first access-handler call, or by its close if it never had one.
///
/// `@unchecked Sendable`: the marks are atomics in memory this object owns and frees.
final class UnstartedConnections: @unchecked Sendable {
    /// Handed over and not started; what ``HTTPServer/stop(drainTimeout:)`` waits on.
    private let unstarted = Atomic<Int>(0)
    private let marks: UnsafeMutablePointer<Atomic<Bool>>
    /// Descriptors below this are tracked: the process's descriptor limit, within reason. A
    /// connection on a higher one is not waited for (the drain's head grace still covers it).
    private let capacity: Int

    init() {
        var limit = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        capacity = min(max(soft, 1024), 1 << 20)
        marks = .allocate(capacity: capacity)
        for index in 0 ..< capacity { (marks + index).initialize(to: Atomic(false)) }
    }

    deinit {
        marks.deinitialize(count: capacity)
        marks.deallocate()
    }

    /// Connections handed over whose first request has not started.
    var count: Int { unstarted.load(ordering: .acquiring) }

    /// On the gate's thread, before the connection is given to libmicrohttpd.
    func handedOver(_ descriptor: Int32) {
        guard descriptor >= 0, Int(descriptor) < capacity else { return }
        // Counted before marked, so that the count never misses a mark another thread may clear.
        unstarted.wrappingAdd(1, ordering: .sequentiallyConsistent)
        marks[Int(descriptor)].store(true, ordering: .sequentiallyConsistent)
    }

    /// A request began on the connection (its first call), or the connection closed: clears its mark.
    /// The caller counts the request as active before calling this, so a drain never sees neither.
    func started(_ descriptor: Int32) {
        guard descriptor >= 0, Int(descriptor) < capacity else { return }
        // A plain load first: every request comes here, and only a connection's first finds a mark.
        guard marks[Int(descriptor)].load(ordering: .relaxed) else { return }
        if marks[Int(descriptor)].exchange(false, ordering: .sequentiallyConsistent) {
            unstarted.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
    }
}
