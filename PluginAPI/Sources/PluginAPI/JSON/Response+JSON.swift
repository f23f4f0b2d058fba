#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif

extension Response {
    /// An `application/json` response encoding `value`, keys sorted.
    ///
    /// - Throws: the encoder's error when `value` cannot be encoded (e.g. a non-finite number);
    ///   out of a handler, the host answers it with a 500 that names the addon.
    public static func json<Value: Encodable>(_ value: Value, status: Int = 200) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .json(raw: Array(try encoder.encode(value)), status: status)
    }
}
