import Foundation
import Glibc

/// A child process with its standard output and error on pipes.
struct ChildProcess {
    enum Status { case exited(Int32), signaled(Int32) }

    struct Output {
        var standardOutput: [UInt8] = []
        var standardError: [UInt8] = []
        var timedOut = false
    }

    let pid: pid_t
    private let outputFD: Int32
    private let errorFD: Int32

    static func spawn(_ executable: String, arguments: [String]) throws -> ChildProcess {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw LoaderError(.probeFailed, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // Other children spawned meanwhile must not inherit these ends; dup2 in the child clears it.
        (outPipe + errPipe).forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        // The runtime's crash backtracer symbolicates for seconds; a probe only needs the signal.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw LoaderError(.probeFailed, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, outputFD: outPipe[0], errorFD: errPipe[0])
    }

    /// Reads both pipes until the child closes them or the deadline passes.
    func collectOutput(deadline: ContinuousClock.Instant) -> Output {
        var output = Output()
        var open = [outputFD, errorFD]
        defer { [outputFD, errorFD].forEach { close($0) } }
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                output.timedOut = true
                return output
            }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.fd == outputFD {
                        output.standardOutput += buffer[0 ..< count]
                    } else if output.standardError.count < 65536 {
                        output.standardError += buffer[0 ..< count]
                    }
                } else {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        return output
    }

    func wait() -> Status {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    func kill() -> Status {
        Glibc.kill(pid, SIGKILL)
        return wait()
    }
}
