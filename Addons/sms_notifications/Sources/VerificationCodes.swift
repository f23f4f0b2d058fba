import Foundation
import PluginAPI
import ProviderKit

/// Sending and checking codes for one request.
struct VerificationCodes {
    let context: RequestContext

    struct Sent: Encodable {
        var phone: String
        var expiresIn: Int64
        var provider: String
    }

    /// `text` as an E.164 number (`+` and 7 to 15 digits, spaces and dashes dropped).
    static func e164(_ text: String) throws -> String {
        let compact = text.filter { $0 != " " && $0 != "-" }
        let digits = compact.dropFirst()
        guard compact.hasPrefix("+"), (7...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else {
            throw HTTPError(status: 422, code: "invalid_phone", message: "'\(text.prefix(40))' is not a phone number in E.164 form (e.g. +4915112345678)")
        }
        return compact
    }

    static func hash(_ code: String, _ phone: String) -> String { Digest.hex(Digest.sha256(Array("\(phone):\(code)".utf8))) }

    func send(to number: String) async throws -> Response {
        let phone = try Self.e164(number)
        let decision = try await context.service(.rateLimiter).hit("send:\(phone)", limit: SMSNotifications.sendsPerWindow, window: SMSNotifications.window)
        guard decision.allowed else {
            let seconds = max(1, decision.reset.components.seconds + (decision.reset.components.attoseconds > 0 ? 1 : 0))
            return Self.refusal(
                HTTPError(status: 429, code: "too_many_codes", message: "at most \(SMSNotifications.sendsPerWindow) codes per phone per 5 minutes; retry in \(seconds) s"),
                headers: ["Retry-After": String(seconds)]
            )
        }
        var generator = SystemRandomNumberGenerator()
        let value = Int.random(in: 0..<1_000_000, using: &generator)
        let code = String(repeating: "0", count: 6 - "\(value)".count) + "\(value)"
        let validity = Int64(context.configuration.integer("codeValiditySeconds") ?? 600)
        // A new code replaces the previous one (and its wrong-guess count).
        try await context.database.execute(
            "INSERT INTO codes (phone, code_hash, expires_at, attempts) VALUES ($1, $2, $3, 0) ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
            [.text(phone), .text(Self.hash(code, phone)), .integer(Int64(WallClock.unixSeconds()) + validity)]
        )
        let template = context.configuration.string("message") ?? "Your verification code is {code}"
        let body = template.contains("{code}") ? template.replacingOccurrences(of: "{code}", with: code) : "\(template) \(code)"
        let receipt = try await context.service(.sms).send(SMSMessage(to: phone, body: body))
        return try .json(Sent(phone: phone, expiresIn: validity, provider: receipt.provider), status: 202)
    }

    func verify(_ code: String, for number: String) async throws -> Response {
        let phone = try Self.e164(number)
        let maxAttempts = context.configuration.integer("maxAttempts") ?? 5
        let now = Int64(WallClock.unixSeconds())
        return try await context.database.transaction { database in
            let rows = try await database.query("SELECT code_hash, expires_at, attempts FROM codes WHERE phone = $1", [.text(phone)])
            guard let row = rows.first, let stored = row["code_hash"]?.text, let expires = row["expires_at"]?.integer, expires > now,
                  (row["attempts"]?.integer ?? 0) < Int64(maxAttempts) else {
                try await database.execute("DELETE FROM codes WHERE phone = $1", [.text(phone)])
                throw HTTPError(status: 410, code: "code_expired", message: "no code is pending for \(phone) (never sent, used, expired or too many wrong guesses): request a new one")
            }
            guard Digest.constantTimeEqual(Array(stored.utf8), Array(Self.hash(code, phone).utf8)) else {
                try await database.execute("UPDATE codes SET attempts = attempts + 1 WHERE phone = $1", [.text(phone)])
                return Self.refusal(HTTPError(status: 422, code: "code_rejected", message: "the code does not match"))
            }
            // Single use: the code is gone once it matched.
            try await database.execute("DELETE FROM codes WHERE phone = $1", [.text(phone)])
            try await database.execute(
                "INSERT INTO verified_phones (phone, verified_at) VALUES ($1, $2) ON CONFLICT (phone) DO UPDATE SET verified_at = excluded.verified_at",
                [.text(phone), .integer(now)]
            )
            return try .json(PhoneStatus(phone: phone, verified: true))
        }
    }

    /// An error answer in the host's error shape (`{"error":{"code","message"}}`) that is not
    /// thrown: a rejected guess must still commit its count, and a 429 carries `Retry-After`.
    static func refusal(_ error: HTTPError, headers: HTTPHeaders = [:]) -> Response {
        .error(error, headers: headers)
    }
}
