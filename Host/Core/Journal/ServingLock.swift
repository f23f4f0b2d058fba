import Foundation
import Glibc
import Synchronization

/// Which processes serve an addon, as the kernel knows it: every process that loads addon `id` holds
/// a shared `flock` on `.berth/serving/<id>.lock` until it stops serving it (or dies). An uninstall
/// takes the lock exclusively before it touches the addon's data, so it waits for every worker of
/// every generation, in-flight requests included, instead of racing them.
///
/// A process also holds a shared lock per installed build it serves,
/// `.berth/serving/<id>@<install folder>.lock` (see ``buildKey(_:installPath:)``): the undo of an
/// upgrade whose roll failed waits on the new build's lock before it reverts the new version's
/// migrations, so no worker that loaded the new version still runs a request against them.
struct ServingLock: Sendable {
    let directory: String

    /// A held lock; closing the descriptor releases it.
    final class Hold: Sendable {
        private let descriptor: Atomic<Int32>
        init(descriptor: Int32) { self.descriptor = Atomic(descriptor) }
        /// Gives the lock back; later calls do nothing.
        func release() {
            let old = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
            if old >= 0 { close(old) }
        }
        deinit { release() }
    }

    func path(of id: String) -> String { directory + "/\(id).lock" }

    /// The lock name of one installed build of `id`: its install folder (`<version>-<random>`) is
    /// new for every install and upgrade, so two builds of one version never share it.
    static func buildKey(_ id: String, installPath: String) -> String {
        id + "@" + (installPath.split(separator: "/").last.map(String.init) ?? "")
    }

    /// The names of the lock files of `id` and of its builds that exist.
    func files(of id: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { name in
            name == id + ".lock" || (name.hasPrefix(id + "@") && name.hasSuffix(".lock"))
        }.sorted()
    }

    /// Removes the lock files of `id` and of all its builds, once the addon is gone.
    func removeAll(of id: String) {
        for name in files(of: id) { unlink(directory + "/" + name) }
    }

    /// Marks this process as serving `id`; nil if the lock file cannot be opened (the uninstall then
    /// falls back on the generation roll alone) or an uninstall holds it exclusively (then the addon
    /// is on its way out). Never waits: it runs on the lifecycle actor.
    func share(_ id: String) -> Hold? {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(path(of: id), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return Hold(descriptor: descriptor)
    }

    /// Takes the lock exclusively without waiting: nil while any process still serves `id`.
    func tryExclusive(_ id: String) -> Hold? {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(path(of: id), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return Hold(descriptor: descriptor)
    }

    /// Waits until no process serves `id`, up to `deadline`.
    func exclusive(_ id: String, within deadline: Duration) async -> Hold? {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while true {
            if let hold = tryExclusive(id) { return hold }
            guard clock.now < end else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Removes the lock file once the addon is gone.
    func remove(_ id: String) {
        unlink(path(of: id))
    }
}
