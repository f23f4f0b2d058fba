import Foundation

/// The public keys whose signatures Berth accepts.
public struct TrustStore: Sendable {
    private let keysByID: [String: PublicKey]

    /// Every trusted key, ordered by id.
    public var keys: [PublicKey] {
        keysByID.values.sorted { $0.id < $1.id }
    }

    /// A store holding exactly `keys` (duplicates collapse).
    public init(keys: some Sequence<PublicKey>) {
        keysByID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Loads every `*.pub` file in `directory` (a missing directory counts as empty) plus each of
    /// `extraFiles` (e.g. from `BERTH_TRUSTED_KEYS`).
    ///
    /// One unreadable or malformed key fails the whole load with `invalid_key_file` naming it:
    /// silently skipping a key the operator meant to trust would turn into puzzling refusals later.
    public init(directory: String, extraFiles: [String] = []) throws(PackageError) {
        var files = try Self.publicKeyFiles(in: directory)
        files += extraFiles
        var keys: [PublicKey] = []
        for file in files {
            keys.append(try PublicKey(pemFile: file))
        }
        self.init(keys: keys)
    }

    /// The trusted key with this id, if any.
    public func key(id: String) -> PublicKey? {
        keysByID[id]
    }

    private static func publicKeyFiles(in directory: String) throws(PackageError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else {
            throw PackageError.invalidKeyFile(directory, "trust store path is not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PackageError.ioError("cannot list trust store '\(directory)'", underlying: error)
        }
        return names.filter { $0.hasSuffix(".pub") }.sorted().map { "\(directory)/\($0)" }
    }
}
