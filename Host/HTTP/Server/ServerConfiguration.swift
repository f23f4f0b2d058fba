import BerthTraffic
import CBerthLanes
#if canImport(Glibc)
import Glibc
#endif

/// Where and how the server listens, and the limits it applies per connection.
public struct ServerConfiguration: Sendable {
    /// The address to bind, e.g. `127.0.0.1` or `0.0.0.0`; ignored with ``listenSocket``.
    public var host: String

    /// The port to bind; 0 lets the kernel pick one, readable afterwards from ``HTTPServer/port``.
    public var port: Int

    /// The number of libmicrohttpd polling threads; each serves its own connections.
    public var threads: Int

    /// The most connections open at once; one more is answered `503 too_many_connections` and
    /// closed. 0 means no limit.
    public var connectionLimit: Int

    /// The most connections open at once from one IP address (one more is answered
    /// `503 too_many_connections`); 0 means no limit.
    public var perIPConnectionLimit: Int

    /// Seconds a new connection has to send its first request head whole, however it trickles;
    /// past that it is answered `408 request_head_timeout` and closed.
    public var headTimeoutSeconds: Double = 10

    /// The largest request head (request line and header fields) accepted; a larger one is answered
    /// `431 request_head_too_large`. Keep it well under ``connectionMemoryLimit``, which must hold it.
    public var maxHeadBytes = 16 * 1024

    /// The most query parameters a request may carry (`414 too_many_query_parameters` past it).
    public var maxQueryParameters = 256

    /// The most header fields a request may carry (`431 too_many_header_fields` past it).
    public var maxHeaderFields = 100

    /// How long a connection may stay idle before the server closes it. Connections waiting for a
    /// handler are not idle and never time out.
    public var idleTimeoutSeconds: Int

    /// The memory libmicrohttpd may use per connection for headers and read buffers; it also bounds
    /// the size of each body chunk handed to the server. Keep it modest: libmicrohttpd 0.9.75 zeroes
    /// the whole pool after every request, so doubling it costs measurable throughput.
    public var connectionMemoryLimit: Int

    /// Seconds a request body may take before it must keep up ``minimumBodyBytesPerSecond`` on
    /// average; a body that falls behind (a trickle that resets the idle timeout with every byte)
    /// is answered `408 request_body_too_slow` and its connection closed.
    public var bodyGraceSeconds: Double = 30

    /// The average rate a body must keep after ``bodyGraceSeconds``: a body of `n` bytes may take
    /// `bodyGraceSeconds + n / minimumBodyBytesPerSecond` seconds. 0 turns the check off.
    public var minimumBodyBytesPerSecond = 16 * 1024

    /// The folder in which ``BodyPolicy/spooled(limit:)`` bodies are written.
    public var spoolDirectory: String

    /// The most spooled uploads received at once; a further one is answered
    /// `503 too_many_uploads` before its body is read. 0 means no limit.
    public var maxConcurrentUploads = 4

    /// The free space the spool's file system keeps: an upload that would leave less is answered
    /// `507 insufficient_storage` (before its body when it declares its length, else as soon as the
    /// spooled part passes the reserve). 0 (the default here) means no reserve.
    public var spoolReserveBytes = 0

    /// The host-wide admission counts shared with the host's other worker processes: with it the
    /// connection limits, the upload bound and the disk reserve hold for the whole host; without it
    /// (nil, the default) for this server alone.
    public var hostAdmission: HostAdmissionTable?

    /// An already listening socket to accept on instead of binding ``host``:``port``, e.g. one
    /// inherited from a supervisor. The caller keeps it: the server does not close it when it stops.
    public var listenSocket: Int32?

    /// Told when each handler starts and finishes; nil (the default) costs nothing per request.
    public var handlerObserver: (any HandlerObserver)?

    /// Whether handlers run inline on polling threads that can be taken over: each polling thread
    /// drives a libmicrohttpd daemon of its own, and a handler that keeps its thread past a monitor
    /// tick (it blocks, or crashed and its thread is parked) loses that daemon to a new thread, so
    /// the other connections keep flowing. Also on when ``handlerObserver`` asks for it
    /// (``HandlerObserver/takesOverPollingThreads``). Off by default: one daemon with
    /// libmicrohttpd's own thread pool.
    public var takesOverBlockedThreads = false

    /// The monitor's tick for ``takesOverBlockedThreads``, in milliseconds: a handler loses its
    /// thread after one to two ticks.
    public var takeoverTickMilliseconds = 5

    /// Creates a configuration; every parameter has a development default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        threads: Int = ServerConfiguration.processorCount,
        connectionLimit: Int = 1024,
        perIPConnectionLimit: Int = 0,
        idleTimeoutSeconds: Int = 30,
        connectionMemoryLimit: Int = 32 * 1024,
        spoolDirectory: String = "/tmp",
        listenSocket: Int32? = nil
    ) {
        self.host = host
        self.port = port
        self.threads = threads
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.connectionMemoryLimit = connectionMemoryLimit
        self.spoolDirectory = spoolDirectory
        self.listenSocket = listenSocket
    }

    /// The number of processors this process may run on (its CPU affinity, as `taskset` or a
    /// container's cpuset sets it), at least 1; the online processors if the affinity is unknown.
    public static var processorCount: Int {
        let allowed = Int(berth_allowed_cpus())
        if allowed > 0 { return allowed }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
