/// Why a package, an archive or a key was refused.
///
/// Every failure of this module is a `PackageError`. ``code`` is a stable snake_case string that the
/// admin API puts in `{"error":{"code":…}}` and tests match on; ``message`` names the entry, field or
/// file at fault so that an addon author can fix the package without reading Berth's source.
public struct PackageError: Error, CustomStringConvertible {
    /// The closed list of codes; kept private so that every error is built through a factory below,
    /// which keeps wording and HTTP status consistent.
    private enum Code: String {
        case notAnArchive = "not_an_archive"
        case unsafePath = "unsafe_path"
        case linkEntry = "link_entry"
        case specialFile = "special_file"
        case duplicateEntry = "duplicate_entry"
        case tooManyEntries = "too_many_entries"
        case entryTooLarge = "entry_too_large"
        case archiveTooLarge = "archive_too_large"
        case compressionBomb = "compression_bomb"
        case missingManifest = "missing_manifest"
        case missingSignature = "missing_signature"
        case invalidManifest = "invalid_manifest"
        case badSignature = "bad_signature"
        case untrustedKey = "untrusted_key"
        case hashMismatch = "hash_mismatch"
        case unlistedFile = "unlisted_file"
        case missingFile = "missing_file"
        case invalidKeyFile = "invalid_key_file"
        case ioError = "io_error"

        var httpStatus: Int {
            switch self {
            case .notAnArchive, .unsafePath, .linkEntry, .specialFile, .duplicateEntry,
                 .missingManifest, .missingSignature, .invalidManifest:
                return 400
            case .tooManyEntries, .entryTooLarge, .archiveTooLarge, .compressionBomb:
                return 413
            case .badSignature, .untrustedKey, .hashMismatch, .unlistedFile, .missingFile:
                return 422
            case .invalidKeyFile, .ioError:
                // Key files and the file system belong to the operator, not to the uploader.
                return 500
            }
        }
    }

    private let kind: Code

    /// Stable machine-readable code, e.g. `bad_signature`.
    public var code: String { kind.rawValue }
    /// What went wrong, naming the entry, field, key or file involved.
    public let message: String
    /// The lower-level error that caused this one, if any.
    public let underlying: (any Error)?

    /// HTTP status an API answer should carry: 400 malformed, 413 too large, 422 refused on
    /// validation (signature, trust, hashes), 500 for the host's own files.
    public var httpStatus: Int { kind.httpStatus }

    /// `code: message`, plus the underlying cause when there is one.
    public var description: String {
        guard let underlying else { return "\(code): \(message)" }
        return "\(code): \(message) (\(underlying))"
    }

    private init(_ kind: Code, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }
}

// Factories: the only way to build an error, one per code.
extension PackageError {
    static func notAnArchive(_ detail: String) -> PackageError {
        PackageError(.notAnArchive, "not a valid gzip-compressed tar archive: \(detail)")
    }
    static func unsafePath(_ entry: String, _ why: String) -> PackageError {
        PackageError(.unsafePath, "entry '\(entry)' has an unsafe path: \(why)")
    }
    static func linkEntry(_ entry: String, kind: String, target: String) -> PackageError {
        PackageError(.linkEntry, "entry '\(entry)' is a \(kind) to '\(target)'; packages may hold regular files only")
    }
    static func specialFile(_ entry: String, kind: String) -> PackageError {
        PackageError(.specialFile, "entry '\(entry)' is a \(kind); packages may hold regular files only")
    }
    static func duplicateEntry(_ entry: String) -> PackageError {
        PackageError(.duplicateEntry, "entry '\(entry)' appears more than once")
    }
    static func tooManyEntries(_ entry: String, limit: Int) -> PackageError {
        PackageError(.tooManyEntries, "archive holds more than \(limit) entries (refused at '\(entry)')")
    }
    static func entryTooLarge(_ entry: String, size: Int64, limit: Int64) -> PackageError {
        PackageError(.entryTooLarge, "entry '\(entry)' is larger than the limit of \(limit) bytes (\(size) bytes or more)")
    }
    static func archiveTooLarge(_ entry: String, limit: Int64) -> PackageError {
        PackageError(.archiveTooLarge, "archive unpacks to more than \(limit) bytes (refused at '\(entry)')")
    }
    static func compressionBomb(_ entry: String, ratio: Int, limit: Int) -> PackageError {
        PackageError(.compressionBomb, "archive expands more than \(limit)× its size (\(ratio)× at '\(entry)'); refusing a compression bomb")
    }
    static func missingManifest() -> PackageError {
        PackageError(.missingManifest, "archive has no manifest.json at its top")
    }
    static func missingSignature() -> PackageError {
        PackageError(.missingSignature, "archive has no manifest.sig at its top")
    }
    static func invalidManifest(_ detail: String, underlying: (any Error)? = nil) -> PackageError {
        PackageError(.invalidManifest, "invalid manifest: \(detail)", underlying: underlying)
    }
    static func badSignature(_ detail: String) -> PackageError {
        PackageError(.badSignature, "manifest signature does not verify: \(detail)")
    }
    static func untrustedKey(_ keyID: String) -> PackageError {
        PackageError(.untrustedKey, "manifest is signed by key \(keyID), which is not in the trust store (trust it with POST /api/v1/trusted-keys, or copy its .pub into .berth/trusted-keys/: either applies at once)")
    }
    static func untrustedKeyUnnamed() -> PackageError {
        PackageError(.untrustedKey, "manifest names no signing key and no key in the trust store verifies its signature")
    }
    static func hashMismatch(_ file: String, expected: String, actual: String) -> PackageError {
        PackageError(.hashMismatch, "file '\(file)' has SHA-256 \(actual) but the manifest lists \(expected)")
    }
    static func unlistedFile(_ file: String) -> PackageError {
        PackageError(.unlistedFile, "file '\(file)' is in the archive but not listed in the manifest's files")
    }
    static func missingFile(_ file: String) -> PackageError {
        PackageError(.missingFile, "file '\(file)' is listed in the manifest but absent from the archive")
    }
    static func invalidKeyFile(_ file: String, _ problem: String, underlying: (any Error)? = nil) -> PackageError {
        PackageError(.invalidKeyFile, "key file '\(file)': \(problem)", underlying: underlying)
    }
    static func ioError(_ detail: String, underlying: (any Error)? = nil) -> PackageError {
        PackageError(.ioError, detail, underlying: underlying)
    }
}
