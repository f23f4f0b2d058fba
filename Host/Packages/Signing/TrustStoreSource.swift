import Foundation
import Glibc
import Synchronization

/// The files a live ``TrustStore`` reads, and the keys read from them at the last look.
///
/// A look costs a `stat` of each file and of the folder; the files are parsed again only when one of
/// those changed (modification time, size, the folder's list). `@unchecked Sendable` is not needed:
/// the mutable state is behind a `Mutex`.
final class TrustStoreSource: Sendable {
    struct View: Sendable {
        var keys: [String: PublicKey] = [:]
        var origins: [String: String] = [:]
        var revoked: Set<String> = []
        var problems: [String: String] = [:]
        var fingerprint: [String] = []
    }

    let directory: String
    let extraFiles: [String]
    let revocationsFile: String?
    private let state = Mutex(View())

    init(directory: String, extraFiles: [String], revocationsFile: String?) {
        self.directory = directory
        self.extraFiles = extraFiles
        self.revocationsFile = revocationsFile
    }

    /// The first load: any bad file is an error.
    func loadStrictly() throws(PackageError) {
        let view = try read(strict: true)
        state.withLock { $0 = view }
    }

    /// The keys now, re-read if a file changed since the last look.
    func snapshot() -> View {
        let fingerprint = currentFingerprint()
        if let unchanged = state.withLock({ $0.fingerprint == fingerprint ? $0 : nil }) { return unchanged }
        // Not strict: a bad file is reported, the rest apply.
        guard let view = try? read(strict: false) else { return state.withLock { $0 } }
        state.withLock { $0 = view }
        return view
    }

    /// Drops the cached view, so the next look re-reads (after this process changed a file).
    func invalidate() {
        state.withLock { $0.fingerprint = [] }
    }

    private func files() throws(PackageError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return extraFiles }
        guard isDirectory.boolValue else {
            throw PackageError.invalidKeyFile(directory, "trust store path is not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PackageError.ioError("cannot list trust store '\(directory)'", underlying: error)
        }
        return names.filter { $0.hasSuffix(".pub") }.sorted().map { "\(directory)/\($0)" } + extraFiles
    }

    private func read(strict: Bool) throws(PackageError) -> View {
        var view = View()
        view.fingerprint = currentFingerprint()
        view.revoked = Self.revokedIDs(in: revocationsFile)
        for file in try files() {
            do {
                let key = try PublicKey(pemFile: file)
                if view.revoked.contains(key.id) { continue }
                if view.keys[key.id] == nil {
                    view.keys[key.id] = key
                    view.origins[key.id] = file
                }
            } catch {
                if strict { throw error }
                view.problems[file] = error.message
            }
        }
        return view
    }

    private func currentFingerprint() -> [String] {
        var paths = [directory]
        paths += ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".pub") }.sorted().map { "\(directory)/\($0)" }
        paths += extraFiles
        if let revocationsFile { paths.append(revocationsFile) }
        return paths.map { path in
            var status = stat()
            guard stat(path, &status) == 0 else { return path + ":absent" }
            return "\(path):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec):\(status.st_size):\(status.st_ino)"
        }
    }

    /// The ids in the revocations file, one per line.
    static func revokedIDs(in file: String?) -> Set<String> {
        guard let file, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }
}
