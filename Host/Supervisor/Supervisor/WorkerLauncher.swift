import CBerthCrash
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts worker processes: `posix_spawn` of this binary in `worker` mode, with the listening
/// socket as descriptor 3, the status pipe as 4, a fresh slot table as 5 and a pipe holding the
/// secrets as 6 (see ``SecretEnvironment``), and nothing else.
struct WorkerLauncher: Sendable {
    /// This binary.
    let executable: String
    /// The shared listening socket (at least 10, close-on-exec).
    let listenDescriptor: Int32
    /// The status pipe's write end (at least 10, close-on-exec).
    let statusDescriptor: Int32
    /// HTTP threads per worker.
    let threads: Int
    /// Sockets a worker's slot table covers (descriptors 0 ..< slots).
    let slots: UInt32 = 16384

    /// Starts one worker of `generation`.
    func launch(generation: Int) throws(SupervisorError) -> WorkerProcess {
        let table = try SystemCall.check(.descriptorFailed, "cannot create a slot table") { berth_guard_table_create(slots) }
        let slotsDescriptor = try SystemCall.moveAboveStandard(table)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; every source is 10 or above, so none is overwritten.
        posix_spawn_file_actions_adddup2(&actions, listenDescriptor, 3)
        posix_spawn_file_actions_adddup2(&actions, statusDescriptor, 4)
        posix_spawn_file_actions_adddup2(&actions, slotsDescriptor, 5)
        // The secrets (database URL, tokens) come through a pipe, never the environment: whatever
        // runs in the worker, addons included, finds none of them in getenv or /proc/self/environ.
        let secretsDescriptor = try SecretEnvironment.pipeOfSecrets()
        defer { if let secretsDescriptor { close(secretsDescriptor) } }
        if let secretsDescriptor { posix_spawn_file_actions_adddup2(&actions, secretsDescriptor, 6) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Whatever else the supervisor has open (database files, the mutation lock's descriptor
        // while it holds it) stays out of the worker.
        berth_spawn_add_closefrom(&actions, 7)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The supervisor ignores or catches these; a worker starts with the defaults and installs its own.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let arguments = [
            executable, "worker", "--listen-fd", "3", "--status-fd", "4", "--slots-fd", "5",
            "--generation", "\(generation)", "--supervisor", "\(getpid())", "--threads", "\(threads)",
        ] + (secretsDescriptor == nil ? [] : ["--secrets-fd", "6"])
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment.filter { !SecretEnvironment.isSecret($0.key, value: $0.value) }
        // The runtime's backtracer would spend seconds symbolicating a crashed worker while its
        // connections wait; the crash guard reports which addon crashed. Set it to keep it.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(slotsDescriptor)
            throw SupervisorError(.spawnFailed, "cannot start a worker (\(executable))", errno: result)
        }
        return WorkerProcess(pid: pid, generation: generation, slotsDescriptor: slotsDescriptor, startedAt: .now)
    }

    /// Which addon a dead worker was running, from its slot table: the one whose handler crashed, or
    /// the only addon with handlers in flight; nil if unknown.
    static func culprit(slotsDescriptor: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(BERTH_GUARD_OWNER_CAPACITY))
        let found = buffer.withUnsafeMutableBufferPointer { berth_guard_inspect(slotsDescriptor, $0.baseAddress, $0.count) }
        guard found == 1 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
