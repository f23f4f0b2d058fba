import Foundation

/// Checks a package archive end to end and unpacks it for installation.
///
/// Order matters: the archive is unpacked under ``ArchiveExtractor``'s limits first (so nothing
/// else ever reads a hostile archive), then the signature is checked before the manifest is
/// trusted for anything, then the manifest's fields, then every file against its listed hash.
public struct PackageVerifier: Sendable {
    /// `manifest.json` at the archive's top; the name is fixed by the package format.
    public static let manifestPath = "manifest.json"
    /// `manifest.sig` at the archive's top: 64 raw bytes of Ed25519 signature.
    public static let signaturePath = "manifest.sig"
    /// A manifest larger than this is refused as `invalid_manifest`.
    public static let maxManifestBytes = 1 << 20

    /// The keys whose signatures are accepted.
    public let trustStore: TrustStore
    /// Bounds on what the archive may unpack to.
    public let limits: ArchiveExtractor.Limits

    /// A verifier accepting packages signed by keys in `trustStore`.
    public init(trustStore: TrustStore, limits: ArchiveExtractor.Limits = .init()) {
        self.trustStore = trustStore
        self.limits = limits
    }

    /// Unpacks `archive` into `stagingDirectory` (which must not exist yet) and checks it.
    ///
    /// On any failure the staging folder is removed and the ``PackageError`` says which check
    /// failed: `bad_signature`, `untrusted_key`, `invalid_manifest`, `hash_mismatch`,
    /// `unlisted_file`, `missing_file`, or one of the extractor's codes.
    public func verify(archive: String, stagingDirectory: String) throws(PackageError) -> VerifiedPackage {
        let extracted = try ArchiveExtractor.extract(archive: archive, into: stagingDirectory, limits: limits)
        do {
            return try check(extracted, archive: archive, directory: stagingDirectory)
        } catch {
            try? FileManager.default.removeItem(atPath: stagingDirectory)
            throw error
        }
    }

    private func check(_ extracted: [ExtractedFile], archive: String, directory: String) throws(PackageError) -> VerifiedPackage {
        let present = Set(extracted.map(\.path))
        guard present.contains(Self.manifestPath) else { throw PackageError.missingManifest() }
        guard present.contains(Self.signaturePath) else { throw PackageError.missingSignature() }
        let manifestBytes = try Self.readManifest(at: "\(directory)/\(Self.manifestPath)")
        let signature = try SmallFile.read("\(directory)/\(Self.signaturePath)", limit: 1024) ?? []
        let signer = try checkSignature(signature, of: manifestBytes)
        let manifest = try Manifest.decode(manifestBytes)
        try manifest.validate()
        try checkFiles(extracted, against: manifest)
        return VerifiedPackage(
            manifest: manifest,
            manifestBytes: manifestBytes,
            directory: directory,
            signerKeyID: signer.id,
            archiveSHA256: try SHA256Digest.hex(fileAt: archive),
            files: extracted
        )
    }

    static func readManifest(at path: String) throws(PackageError) -> [UInt8] {
        guard let bytes = try SmallFile.read(path, limit: maxManifestBytes) else {
            throw PackageError.invalidManifest("manifest.json is larger than \(maxManifestBytes) bytes")
        }
        return bytes
    }
}
