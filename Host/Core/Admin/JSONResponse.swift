import Foundation
import PluginAPI

/// JSON bodies of the admin API.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` encoded as the body.
    static func make<Value: Encodable>(_ value: Value, status: Int = 200) -> Response {
        do {
            return .json(raw: Array(try encoder.encode(value)), status: status)
        } catch {
            return self.error(status: 500, code: "encoding_failed", message: "the answer could not be encoded: \(error)")
        }
    }

    /// `{"error":{"code":…,"message":…}}`, with any extra details beside them.
    static func error(status: Int, code: String, message: String, details: [String: [ConfigurationSchema.Violation]] = [:]) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let violations: [ConfigurationSchema.Violation]?
            }
            let error: Detail
        }
        guard let violations = details["violations"] else {
            return .error(HTTPError(status: status, code: code, message: message))
        }
        let body = Body(error: .init(code: code, message: message, violations: violations))
        return .json(raw: Array((try? encoder.encode(body)) ?? Data("{\"error\":{\"code\":\"\(code)\"}}".utf8)), status: status)
    }

    /// The answer for any error thrown while handling a request.
    static func error(_ error: any Error) -> Response {
        if StorageExhaustion.isCause(of: error) {
            return StorageExhaustion.response(for: (error as? BerthError)?.message ?? "\(error)")
        }
        switch error {
        case let error as BerthError:
            if let failure = error.cause as? ConfigurationSchema.ValidationFailure {
                return self.error(status: error.status, code: error.code, message: error.message, details: ["violations": failure.violations])
            }
            return self.error(status: error.status, code: error.code, message: error.message)
        case let error as HTTPError:
            return .error(error)
        default:
            return self.error(status: 500, code: "internal_error", message: "\(error)")
        }
    }
}
