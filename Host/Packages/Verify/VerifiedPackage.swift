/// A package that passed every check, unpacked in its staging folder.
///
/// Only ``PackageVerifier`` makes these in normal use: holding one means the signature, the
/// signer's trust, the manifest's fields and every file's hash have been checked.
public struct VerifiedPackage: Sendable {
    /// The decoded, validated manifest.
    public let manifest: Manifest
    /// The exact bytes of `manifest.json`, as signed.
    public let manifestBytes: [UInt8]
    /// The staging folder holding the unpacked files (archive paths are relative to it).
    public let directory: String
    /// Id of the trusted key whose signature verified.
    public let signerKeyID: String
    /// SHA-256 of the archive file itself, lowercase hex.
    public let archiveSHA256: String
    /// Every regular file unpacked, including `manifest.json` and `manifest.sig`.
    public let files: [ExtractedFile]

    /// Describes a verified package; meant for ``PackageVerifier`` and for tests.
    public init(
        manifest: Manifest, manifestBytes: [UInt8], directory: String,
        signerKeyID: String, archiveSHA256: String, files: [ExtractedFile] = []
    ) {
        self.manifest = manifest
        self.manifestBytes = manifestBytes
        self.directory = directory
        self.signerKeyID = signerKeyID
        self.archiveSHA256 = archiveSHA256
        self.files = files
    }

    /// Absolute path of an archive path inside ``directory``, e.g. the library to load.
    public func path(of archivePath: String) -> String {
        "\(directory)/\(archivePath)"
    }
}
