import Foundation

/// The public keys whose signatures Berth accepts.
///
/// A store loaded from a folder is live: it re-reads the folder (and the extra files, and the list
/// of revoked keys) whenever one of them changed since the last look, so a key copied in, added or
/// revoked applies to the next verification without a restart. Copies share one view.
public struct TrustStore: Sendable {
    private let fixed: [String: PublicKey]
    private let source: TrustStoreSource?

    /// Every trusted key, ordered by id.
    public var keys: [PublicKey] {
        current.values.sorted { $0.id < $1.id }
    }

    /// A store holding exactly `keys` (duplicates collapse); it never changes.
    public init(keys: some Sequence<PublicKey>) {
        fixed = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        source = nil
    }

    /// Loads every `*.pub` file in `directory` (a missing directory counts as empty) plus each of
    /// `extraFiles` (e.g. from `BERTH_TRUSTED_KEYS`), leaving out the ids listed in `revocationsFile`.
    ///
    /// One unreadable or malformed key fails this first load with `invalid_key_file` naming it:
    /// silently skipping a key the operator meant to trust would turn into puzzling refusals later.
    /// A bad file appearing later is skipped (the others apply) and reported by ``problems``.
    public init(directory: String, extraFiles: [String] = [], revocationsFile: String? = nil) throws(PackageError) {
        let source = TrustStoreSource(directory: directory, extraFiles: extraFiles, revocationsFile: revocationsFile)
        try source.loadStrictly()
        self.source = source
        fixed = [:]
    }

    /// The trusted key with this id, if any.
    public func key(id: String) -> PublicKey? {
        current[id]
    }

    /// Where each trusted key comes from: its file.
    public var origins: [String: String] {
        source?.snapshot().origins ?? [:]
    }

    /// Ids revoked through ``revoke(id:)``: left out even if a file still provides them.
    public var revokedIDs: [String] {
        source?.snapshot().revoked.sorted() ?? []
    }

    /// Key files that could not be read at the last look, with the reason.
    public var problems: [String: String] {
        source?.snapshot().problems ?? [:]
    }

    /// The folder keys are added to, if the store has one.
    public var directory: String? { source?.directory }

    private var current: [String: PublicKey] {
        source?.snapshot().keys ?? fixed
    }

    var liveSource: TrustStoreSource? { source }
}
