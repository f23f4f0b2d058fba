import BerthPackages
import Foundation

/// Builds package archives entry by entry, so tests can make every kind of broken or hostile one:
/// a manifest signed or not, files listed or not, links, traversal paths, bombs.
public struct RawPackage {
    /// The entries, in order.
    public var entries: [(path: String, contents: ArchiveContents)] = []

    /// Starts an empty archive.
    public init() {}

    /// Adds `manifest.json` (sorted keys) and `manifest.sig` signed by `key`, with `files` hashed
    /// from `contents` (archive path → bytes) unless the manifest already lists them.
    public static func signed(_ manifest: Manifest, contents: [(String, [UInt8])], key: SigningKey, corruptSignature: Bool = false) throws -> RawPackage {
        var manifest = manifest
        if manifest.files.isEmpty {
            manifest.files = Dictionary(uniqueKeysWithValues: contents.map { ($0.0, SHA256Digest.hex($0.1)) })
        }
        manifest.signingKey = key.publicKey.id
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(manifest))
        var signature = try key.sign(bytes)
        if corruptSignature { signature[0] ^= 0xFF }
        var package = RawPackage()
        package.entries.append(("manifest.json", .bytes(bytes)))
        package.entries.append(("manifest.sig", .bytes(signature)))
        package.entries += contents.map { ($0.0, .bytes($0.1)) }
        return package
    }

    /// Writes the archive.
    public func write(to path: String) throws {
        try ArchiveWriter.write(to: path, entries: entries)
    }
}
