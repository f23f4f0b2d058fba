import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the server knows of each connection the gate handed to libmicrohttpd between its requests,
/// kept by socket descriptor: whether its first request has not started yet, or since when it has
/// been waiting for its next one.
///
/// - A drain waits for every handed-over connection to start its first request (``unstartedCount``)
///   besides the active requests: a head the gate let through is in the socket already, so its
///   request is served rather than refused with 503, however long the polling thread takes to get
///   to it (a loaded machine, a lane being taken over).
/// - A later request on a kept-alive connection must reach the access handler within the idle
///   timeout plus the head timeout of the previous request's end: libmicrohttpd's own timeout counts
///   from the last byte received, so a head trickled a byte at a time would hold the connection for
///   ever. The gate's thread sweeps the ledger (``sweep(olderThan:expire:)``) and ends such a
///   connection with a 408.
///
/// One atomic word per descriptor: 0 (in a request, or unknown), ``unstarted``, ``claimed`` (the
/// sweep is ending it) or ``idleBase`` + the tick its last request ended at. A close waits while the
/// sweep holds its claim, so the sweep never touches a descriptor that was closed and reused.
///
/// `@unchecked Sendable`: the words are atomics in memory this object owns and frees.
final class ConnectionLedger: @unchecked Sendable {
    private static let unstarted: UInt32 = 1
    private static let claimed: UInt32 = 2
    private static let idleBase: UInt32 = 3

    /// How often ``tick`` advances, and so the resolution of the idle deadline.
    static let tickMilliseconds = 100

    private let unstartedConnections = Atomic<Int>(0)
    private let words: UnsafeMutablePointer<Atomic<UInt32>>
    /// Descriptors below this are kept: the process's descriptor limit, within reason. A connection
    /// on a higher one is neither awaited by a drain nor swept.
    private let capacity: Int
    /// The highest descriptor handed over so far, so a sweep reads no further.
    private let highest = Atomic<Int>(-1)
    /// Advanced by the gate's thread every ``tickMilliseconds``; a plain load for the request path.
    private let ticks = Atomic<UInt32>(0)

    init() {
        var limit = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        capacity = min(max(soft, 1024), 1 << 20)
        words = .allocate(capacity: capacity)
        for index in 0 ..< capacity { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: capacity)
        words.deallocate()
    }

    /// Connections handed over whose first request has not started.
    var unstartedCount: Int { unstartedConnections.load(ordering: .sequentiallyConsistent) }

    /// The current tick.
    var tick: UInt32 { ticks.load(ordering: .relaxed) }

    /// On the gate's thread: one more tick has passed.
    func advanceTick() {
        ticks.wrappingAdd(1, ordering: .relaxed)
    }

    private func tracks(_ descriptor: Int32) -> Bool {
        descriptor >= 0 && Int(descriptor) < capacity
    }

    /// On the gate's thread, before the connection is given to libmicrohttpd.
    func handedOver(_ descriptor: Int32) {
        guard tracks(descriptor) else { return }
        if Int(descriptor) > highest.load(ordering: .relaxed) { highest.store(Int(descriptor), ordering: .relaxed) }
        // Counted before marked, so that the count never misses a mark another thread may clear.
        unstartedConnections.wrappingAdd(1, ordering: .sequentiallyConsistent)
        words[Int(descriptor)].store(Self.unstarted, ordering: .sequentiallyConsistent)
    }

    /// Whether the connection was handed over and no request has started on it: the request now
    /// starting is the one whose head the gate checked.
    func isUnstarted(_ descriptor: Int32) -> Bool {
        tracks(descriptor) && words[Int(descriptor)].load(ordering: .relaxed) == Self.unstarted
    }

    /// A request began on the connection (the access handler's first call for it). The caller
    /// counts the request as active before this, so a drain never sees neither.
    func started(_ descriptor: Int32) {
        guard tracks(descriptor) else { return }
        let word = words[Int(descriptor)].load(ordering: .relaxed)
        // A connection the sweep has claimed is ending anyway; its close clears the claim.
        guard word != 0, word != Self.claimed else { return }
        if words[Int(descriptor)].compareExchange(expected: word, desired: 0, ordering: .sequentiallyConsistent).exchanged, word == Self.unstarted {
            unstartedConnections.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// A request on the connection ended: it now waits for its next one, from this tick.
    func ended(_ descriptor: Int32) {
        guard tracks(descriptor) else { return }
        let word = words[Int(descriptor)].load(ordering: .relaxed)
        guard word != Self.claimed else { return }
        _ = words[Int(descriptor)].compareExchange(expected: word, desired: Self.idleBase &+ tick, ordering: .releasing)
    }

    /// The connection is closing (libmicrohttpd closes the socket after this returns), or could not
    /// be added. Waits out a sweep that has claimed it.
    func closed(_ descriptor: Int32) {
        guard tracks(descriptor) else { return }
        while true {
            let word = words[Int(descriptor)].load(ordering: .acquiring)
            if word == Self.claimed {
                sched_yield()
                continue
            }
            if words[Int(descriptor)].compareExchange(expected: word, desired: 0, ordering: .sequentiallyConsistent).exchanged {
                if word == Self.unstarted { unstartedConnections.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
                return
            }
        }
    }

    /// On the gate's thread: calls `expire` for each connection that has waited for its next request
    /// for more than `limit` ticks, while holding it claimed (so its descriptor stays its own).
    func sweep(olderThan limit: UInt32, expire: (Int32) -> Void) {
        let now = tick
        let last = highest.load(ordering: .relaxed)
        guard last >= 0 else { return }
        for index in 0 ... last {
            let word = words[index].load(ordering: .relaxed)
            guard word >= Self.idleBase, now &- (word &- Self.idleBase) > limit else { continue }
            guard words[index].compareExchange(expected: word, desired: Self.claimed, ordering: .acquiringAndReleasing).exchanged else { continue }
            expire(Int32(index))
            words[index].store(0, ordering: .releasing)
        }
    }
}
