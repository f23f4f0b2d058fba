import BerthHTTP
import CBerthCrash

/// Layer 3 of the crash guard's C interop: the worker's ``HandlerObserver``.
///
/// Every handler is recorded in the shared slot table before it starts, with a deadline for
/// addons' handlers. The C side answers a crashed handler's request with a 502 from its signal
/// handler, and the ``WorkerWatchdog`` answers an expired one with a 504 (see `CBerthCrash.h`).
public final class CrashGuard: HandlerObserver {
    /// The owner of the host's own routes: never blamed on an addon, never timed out.
    let hostOwner: String
    private let timeoutNanoseconds: Int64
    private let isolatesHandlers: Bool
    /// Whether handlers run on polling threads that the server takes over when one is kept.
    public let takesOverPollingThreads: Bool

    /// Maps the slot table in `tableDescriptor` and installs the fatal-signal handlers, which report
    /// crashes on `reportDescriptor`.
    public init(tableDescriptor: Int32, reportDescriptor: Int32, handlerTimeout: Duration, isolatesHandlers: Bool = true, takesOverPollingThreads: Bool = false, hostOwner: String = "berth") throws(SupervisorError) {
        self.hostOwner = hostOwner
        self.isolatesHandlers = isolatesHandlers
        self.takesOverPollingThreads = takesOverPollingThreads
        let (seconds, attoseconds) = handlerTimeout.components
        timeoutNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        try SystemCall.check(.guardFailed, "cannot map the worker's slot table (descriptor \(tableDescriptor))") { berth_guard_attach(tableDescriptor) }
        try SystemCall.check(.guardFailed, "cannot install the fatal-signal handlers") { berth_guard_install(reportDescriptor) }
    }

    /// Addons' handlers run off the polling threads unless isolation is off: a parked or blocked
    /// handler thread must not stall the connections a polling thread serves. The host's own routes
    /// stay inline.
    public func startsOffPollingThread(owner: String) -> Bool {
        isolatesHandlers && owner != hostOwner
    }

    public func handlerWillStart(owner: String, socket: Int32) -> Int32 {
        begin(owner: owner, socket: socket, timeoutNanoseconds: timeoutNanoseconds)
    }

    /// Records the route and request id beside the owner, so that a crash report names them. An
    /// endpoint with a deadline of its own (a route's `timeoutSeconds`) is timed out at it, never
    /// later than the worker's `BERTH_HANDLER_TIMEOUT`.
    public func handlerWillStart(_ endpoint: Endpoint, requestID: String, socket: Int32) -> Int32 {
        var timeout = timeoutNanoseconds
        if let own = endpoint.timeout {
            let (seconds, attoseconds) = own.components
            timeout = max(1, min(timeout, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        }
        let ticket = begin(owner: endpoint.owner, socket: socket, timeoutNanoseconds: timeout)
        if ticket >= 0 {
            endpoint.method.rawValue.withCString { method in
                endpoint.pattern.withCString { pattern in
                    requestID.withCString { berth_guard_describe(ticket, method, pattern, $0) }
                }
            }
        }
        return ticket
    }

    private func begin(owner: String, socket: Int32, timeoutNanoseconds: Int64) -> Int32 {
        let isHost = owner == hostOwner
        return owner.withCString { berth_guard_begin($0, socket, isHost ? 1 : 0, isHost ? 0 : timeoutNanoseconds) }
    }

    public func handlerLeftThread(_ ticket: Int32) {
        berth_guard_left_thread(ticket)
    }

    public func handlerDidFinish(_ ticket: Int32) {
        _ = berth_guard_finish(ticket)
    }

    /// Answers 504 to the handlers past their deadline.
    /// - Returns: how many expired now, by addon (each timeout blamed on its own handler's addon).
    func expireOverdue() -> [String: Int] {
        var expired: [String: Int] = [:]
        let record = Int(BERTH_GUARD_OWNER_CAPACITY)
        var buffer = [CChar](repeating: 0, count: record * Self.expiredPerCall)
        while true {
            let count = buffer.withUnsafeMutableBufferPointer { Int(berth_guard_expire($0.baseAddress!, $0.count)) }
            for index in 0 ..< count {
                let owner = buffer[index * record ..< (index + 1) * record].prefix { $0 != 0 }
                expired[String(decoding: owner.map { UInt8(bitPattern: $0) }, as: UTF8.self), default: 0] += 1
            }
            // A full buffer may have left expired handlers for another call.
            if count < Self.expiredPerCall { return expired }
        }
    }

    /// How many expired handlers one call of the C side reports.
    private static let expiredPerCall = 32

    /// Handlers that will not return: crashed, or expired at least `grace` ago and still running.
    func stuck(grace: Duration) -> (count: Int, owner: String) {
        let (seconds, attoseconds) = grace.components
        return withOwnerBuffer { berth_guard_stuck(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, $0, $1) }
    }

    /// The change of the home running now (nil addon: none), for blaming a crash outside handlers.
    func setChange(addon: String?, step: String) {
        guard let addon else { return berth_guard_set_change(nil, nil) }
        addon.withCString { owner in step.withCString { berth_guard_set_change(owner, $0) } }
    }

    /// The worker itself exits now: `exit` goes through to libc.
    func allowExit() {
        berth_guard_allow_exit()
    }

    /// Answers 502 to every addon's request still in flight, before a crashed worker ends.
    /// - Returns: how many were answered.
    @discardableResult
    func abandonInFlight() -> Int {
        Int(berth_guard_abandon())
    }

    /// Whether a handler of this worker crashed (its thread is parked; the worker must go).
    var crashed: Bool {
        berth_guard_crashed() != 0
    }

    private func withOwnerBuffer(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> (count: Int, owner: String) {
        var buffer = [CChar](repeating: 0, count: Int(BERTH_GUARD_OWNER_CAPACITY))
        let count = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        return (Int(count), String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
