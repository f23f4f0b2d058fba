import Foundation

extension Manifest {
    /// The manifest as `manifest.json`: JSON with sorted keys, unescaped slashes and indentation.
    ///
    /// The signature covers these exact bytes, and verification never re-encodes: the bytes in the
    /// archive are what was signed. Sorting keys only makes packs reproducible.
    public func canonicalJSON() throws(PackageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        do {
            return Array(try encoder.encode(self))
        } catch {
            throw PackageError.invalidManifest("cannot be encoded as JSON", underlying: error)
        }
    }

    /// Decodes `manifest.json`, turning decoding errors into `invalid_manifest` naming the field.
    public static func decode(_ bytes: [UInt8]) throws(PackageError) -> Manifest {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw PackageError.invalidManifest(describe(error), underlying: error)
        } catch {
            throw PackageError.invalidManifest("not valid JSON", underlying: error)
        }
    }

    /// Says which field is wrong in words an addon author can act on.
    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            guard !path.isEmpty else { return "the top level" }
            return "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing required field \(field(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "field \(field(context.codingPath)) should be \(type)"
        case .valueNotFound(let type, let context):
            return "field \(field(context.codingPath)) is null but should be \(type)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "field \(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
