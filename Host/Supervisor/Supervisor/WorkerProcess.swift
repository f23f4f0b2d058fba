#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor knows of one worker process.
struct WorkerProcess {
    /// Set once the worker was told to drain.
    struct Drain {
        /// Workers told to drain together; SIGUSR1 goes to them once all stopped accepting.
        var group: Int
        var since: ContinuousClock.Instant
        /// SIGKILL past this.
        var killAt: ContinuousClock.Instant
    }

    let pid: pid_t
    /// The generation it belongs to: the installed set it loaded.
    let generation: Int
    /// Its slot table, read after an unexpected death to learn which addon was running.
    let slotsDescriptor: Int32
    let startedAt: ContinuousClock.Instant
    /// It reported ready: it serves.
    var ready = false
    /// Why it is being replaced (a hung handler, memory); it drains once its replacement serves.
    var retiring: String?
    /// The worker this one replaces, drained when this one is ready.
    var replaces: pid_t?
    var drain: Drain?
    /// It reported that it stopped accepting.
    var quiesced = false
    /// SIGUSR1 was sent.
    var released = false
    /// Its crash was counted against an addon already.
    var crashCounted = false

    init(pid: pid_t, generation: Int, slotsDescriptor: Int32, startedAt: ContinuousClock.Instant) {
        self.pid = pid
        self.generation = generation
        self.slotsDescriptor = slotsDescriptor
        self.startedAt = startedAt
    }

    /// Serving and counted in its generation: ready, neither retiring nor draining.
    var serving: Bool { ready && retiring == nil && drain == nil }
}
