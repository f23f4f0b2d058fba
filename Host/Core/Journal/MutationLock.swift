import Glibc

/// One mutation at a time per home, across processes: an exclusive `flock` on `.berth/lock`. The
/// kernel releases it when the holder dies, so a crash never leaves the home locked.
final class MutationLock: Sendable {
    private let path: String

    init(path: String) {
        self.path = path
    }

    /// Takes the lock without waiting.
    /// - Returns: a release function, or nil if another process holds the lock.
    func tryAcquire() -> (@Sendable () -> Void)? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return { close(fd) }
    }
}
