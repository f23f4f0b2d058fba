import CBerthLanes
import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The polling threads of a server whose handlers run inline and whose threads can be taken over
/// (``HandlerObserver/takesOverPollingThreads``): one libmicrohttpd daemon per lane, in external
/// polling mode, driven by a thread of `CBerthLanes`; a handler that keeps its thread for a
/// monitor tick loses the lane to a new thread, which suspends that handler's connection and
/// serves the lane's other connections on (see `CBerthLanes.h`).
///
/// `@unchecked Sendable`: the queues are behind their own locks; the rest is set once in
/// ``init(context:count:tickMilliseconds:)`` and ``attach(_:)``.
final class PollingLanes: @unchecked Sendable {
    /// A connection the gate admitted, waiting for its lane's thread to add it.
    struct Arrival {
        var descriptor: Int32
        var address: sockaddr_storage
        var length: socklen_t
        var peer: PeerAddress
    }

    let context: ServerContext
    let count: Int
    nonisolated(unsafe) let raw: OpaquePointer
    nonisolated(unsafe) private(set) var daemons: [OpaquePointer] = []
    private let queues: [ArrivalQueue]
    private let next = Atomic<Int>(0)
    /// Told when a connection could not be added (libmicrohttpd closed it), to release its counts.
    nonisolated(unsafe) var released: (@Sendable (Int32, PeerAddress) -> Void)?
    /// Set if a takeover suspended a connection the stop could not track: the daemons then must
    /// not be stopped (libmicrohttpd aborts on a suspended connection).
    let untracked = Atomic<Bool>(false)

    init?(context: ServerContext, count: Int, tickMilliseconds: Int) {
        self.context = context
        self.count = max(1, count)
        queues = (0 ..< max(1, count)).map { _ in ArrivalQueue() }
        guard let raw = berth_lanes_create(UInt32(max(1, count)), UInt32(clamping: tickMilliseconds), berthAccessHandler, berthTakeOver, berthDrainLane, nil) else { return nil }
        self.raw = raw
    }

    /// Gives the lanes their daemons, one each, before ``start()``.
    func attach(_ daemons: [OpaquePointer]) -> Bool {
        self.daemons = daemons
        berth_lanes_set_context(raw, Unmanaged.passUnretained(self).toOpaque())
        for (index, daemon) in daemons.enumerated() where berth_lanes_attach(raw, UInt32(index), daemon) != 0 {
            return false
        }
        return true
    }

    /// Starts the lanes' threads and their monitor; an errno value on failure.
    func start() -> Int32 {
        berth_lanes_start(raw)
    }

    /// Queues an admitted connection for the next lane, round robin.
    func add(_ arrival: Arrival) {
        let lane = next.wrappingAdd(1, ordering: .relaxed).oldValue % count
        queues[lane].items.withLock { $0.append(arrival) }
        berth_lanes_wake(raw, UInt32(lane))
    }

    /// On lane `lane`'s thread: adds the connections queued for it.
    func drain(_ lane: Int) {
        let arrivals = queues[lane].items.withLock { queue -> [Arrival] in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        for arrival in arrivals {
            var address = arrival.address
            let added = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MHD_add_connection(daemons[lane], arrival.descriptor, $0, arrival.length) }
            }
            // On failure libmicrohttpd has closed the socket already. (Should the gate reuse the
            // descriptor before the release below, the drain waits for one connection too many,
            // within its deadline: a failure here means the daemon is past its backstop limit.)
            if added != MHD_Result.YES { released?(arrival.descriptor, arrival.peer) }
        }
    }

    /// Stops the threads; true if every lane stopped by `deadline` (then the daemons may be stopped).
    func stop(deadline: Duration) -> Bool {
        let (seconds, attoseconds) = deadline.components
        let until = berth_lanes_now() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return berth_lanes_stop(raw, until) == 0
    }

    /// Whether lane `index`'s thread stopped.
    func stopped(_ index: Int) -> Bool {
        berth_lanes_lane_stopped(raw, UInt32(index)) != 0
    }

    /// Takeovers so far.
    var takeovers: Int {
        Int(berth_lanes_takeovers(raw))
    }

    /// Connections open on every lane's daemon.
    var connectionCount: Int {
        daemons.reduce(0) { $0 + Int(berth_mhd_connection_count($1)) }
    }
}

/// One lane's admitted connections, behind their own lock.
final class ArrivalQueue: Sendable {
    let items = Mutex<[PollingLanes.Arrival]>([])
}

/// The lanes' drain callback (C): on a lane's own thread.
func berthDrainLane(_ context: UnsafeMutableRawPointer?, _ lane: UInt32) {
    guard let context else { return }
    Unmanaged<PollingLanes>.fromOpaque(context).takeUnretainedValue().drain(Int(lane))
}

/// The lanes' takeover callback (C): on the new thread of a lane whose handler overran, before it
/// drives the daemon. Suspends the overrunning request's connection (`state` is its
/// ``LaneWindow``); its handler completes it.
func berthTakeOver(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ state: UnsafeMutableRawPointer?) {
    guard let context, let connection, let state else { return }
    let lanes = Unmanaged<PollingLanes>.fromOpaque(context).takeUnretainedValue()
    let request = state.assumingMemoryBound(to: LaneWindow.self).pointee.takeOverState()
    if !request.suspendForTakeover(on: MHDConnection(pointer: connection), context: lanes.context) {
        lanes.untracked.store(true, ordering: .releasing)
    }
}
