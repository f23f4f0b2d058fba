#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif

extension Request {
    /// The body decoded from JSON into `type`.
    ///
    /// - Throws: ``HTTPError`` 400 `invalid_body` whose message names the failing field as a JSON
    ///   pointer (RFC 6901, e.g. `/messages/0/content`) and what was expected there; thrown out of a
    ///   handler, it is the answer.
    public func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        guard !body.isEmpty else {
            throw HTTPError(status: 400, code: "invalid_body", message: "the body is empty: expected a JSON \(JSONBodyError.describe(Value.self))")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch let error as DecodingError {
            throw JSONBodyError.httpError(for: error)
        }
    }
}

/// Turns a `DecodingError` into the 400 a client can act on.
enum JSONBodyError {
    static func httpError(for error: DecodingError) -> HTTPError {
        let (path, problem): ([any CodingKey], String)
        switch error {
        case .typeMismatch(let type, let context):
            (path, problem) = (context.codingPath, "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            (path, problem) = (context.codingPath, "expected \(describe(type)), found null")
        case .keyNotFound(let key, let context):
            (path, problem) = (context.codingPath + [key], "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                (path, problem) = ([], "is not valid JSON")
            } else {
                (path, problem) = (context.codingPath, "has an invalid value: \(context.debugDescription)")
            }
        @unknown default:
            (path, problem) = ([], "could not be decoded")
        }
        let pointer = self.pointer(path)
        let place = pointer.isEmpty ? "the body" : "the body at \(pointer)"
        return HTTPError(status: 400, code: "invalid_body", message: "\(place) \(problem)")
    }

    /// An RFC 6901 JSON pointer for a coding path; `""` is the whole document.
    static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in
            if let index = key.intValue { return "/\(index)" }
            var segment = "/"
            for character in key.stringValue {
                switch character {
                case "~": segment += "~0"
                case "/": segment += "~1"
                default: segment.append(character)
                }
            }
            return segment
        }.joined()
    }

    /// How JSON calls the Swift type a decoder expected.
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Character.Type: return "string"
        case is Bool.Type: return "boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is Int8.Type,
             is UInt.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type, is UInt8.Type: return "integer"
        case is Double.Type, is Float.Type: return "number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array<") || name.hasPrefix("[") && !name.contains(":") { return "array" }
            if name.hasPrefix("Dictionary<") { return "object" }
            return "object (\(name))"
        }
    }
}
