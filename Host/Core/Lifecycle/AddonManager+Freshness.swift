import Glibc

extension AddonManager {
    /// Reloads the registry when the file changed since this process last read it and no change
    /// runs here: with several workers, the one that made a change is not the one answering the
    /// next read, and a generation started before the change committed read it too early.
    func refreshRegistryFromDisk() {
        guard operationInProgress == nil, let stamp = RegistryStamp(path: home.registryFile), stamp != registryStamp else { return }
        if let loaded = try? registryStore.load() {
            registry = loaded
            registryStamp = stamp
        }
    }
}

/// What says a file changed: its inode (an atomic rename makes a new one), size and change time.
struct RegistryStamp: Hashable, Sendable {
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        seconds = status.st_ctim.tv_sec
        nanoseconds = status.st_ctim.tv_nsec
    }
}
