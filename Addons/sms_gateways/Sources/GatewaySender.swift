import Foundation
import PluginAPI
import ProviderKit

/// One gateway as an SMS provider. Verification codes are six random digits kept only as a
/// SHA-256 hash (salted with the number) in the addon's own table, valid until they expire and
/// deleted when used, so they work across all workers of a host.
struct GatewaySender: SMSSender {
    let name: String
    let context: AddonContext

    func gateway() throws -> SMSGateway { try SMSGatewaySettings.gateway(name, context.configuration, http: context.http) }

    func problem() -> String? {
        do {
            _ = try gateway()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func send(_ message: SMSMessage) async throws -> SMSReceipt {
        do {
            return try await gateway().send(message)
        } catch let error as ProviderError {
            throw error.httpError
        }
    }

    func sendVerificationCode(to number: String, validity: Duration) async throws -> SMSReceipt {
        let code = Self.sixDigits(Int.random(in: 0..<1_000_000))
        let template = context.configuration.string("codeMessage") ?? "Your verification code is {code}"
        let body = template.contains("{code}") ? template.replacingOccurrences(of: "{code}", with: code) : "\(template) \(code)"
        let expires = Int64(WallClock.unixSeconds()) + max(1, validity.components.seconds)
        // Stored before sending: a code that reached the phone can always be checked.
        try await context.database.execute(
            "INSERT INTO verification_codes (provider, phone, code_hash, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (provider, phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at",
            [.text(name), .text(number), .text(Self.hash(code, number)), .integer(expires)]
        )
        return try await send(SMSMessage(to: number, body: body))
    }

    func checkVerificationCode(_ code: String, for number: String) async throws -> VerificationResult {
        let rows = try await context.database.query(
            "SELECT code_hash, expires_at FROM verification_codes WHERE provider = $1 AND phone = $2", [.text(name), .text(number)]
        )
        guard let row = rows.first, let stored = row["code_hash"]?.text, let expires = row["expires_at"]?.integer,
              expires > Int64(WallClock.unixSeconds()) else { return .expired }
        guard Digest.constantTimeEqual(Array(stored.utf8), Array(Self.hash(code, number).utf8)) else { return .rejected }
        // Single use: only the caller that deletes the row approves.
        let deleted = try await context.database.execute(
            "DELETE FROM verification_codes WHERE provider = $1 AND phone = $2 AND code_hash = $3", [.text(name), .text(number), .text(stored)]
        )
        return deleted == 1 ? .approved : .expired
    }

    /// `value` as six digits with leading zeros.
    static func sixDigits(_ value: Int) -> String {
        let digits = "\(value)"
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func hash(_ code: String, _ number: String) -> String { Digest.hex(Digest.sha256(Array("\(number):\(code)".utf8))) }
}
