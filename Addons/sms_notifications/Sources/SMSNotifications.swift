import PluginAPI
import ProviderKit

/// Phone verification through the SMS slot.
///
/// `POST /codes {"phone"}` sends a six-digit code (3 sends per phone per 5 minutes, counted by the
/// host's rate-limit slot so every worker shares the count: the fourth is a 429 with
/// `Retry-After`). Only the code's SHA-256 is stored, salted with the number; it expires after
/// `codeValiditySeconds`, allows `maxAttempts` wrong guesses, and is deleted when it matches.
/// `POST /codes/verify {"phone","code"}` checks it; `GET /phones/:phone` says whether a number
/// was verified.
struct SMSNotifications: Addon {
    var id: String { "sms_notifications" }
    var version: String { "1.0.0" }

    /// The send limit per phone.
    static let sendsPerWindow = 3
    /// Its window.
    static let window: Duration = .seconds(300)

    func register(_ router: inout Router) {
        router.post("/codes") { request, context in
            try await VerificationCodes(context: context).send(to: try request.decode(PhoneRequest.self).phone)
        }
        router.post("/codes/verify") { request, context in
            let body = try request.decode(VerifyRequest.self)
            return try await VerificationCodes(context: context).verify(body.code, for: body.phone)
        }
        router.get("/phones/:phone") { request, context in
            let phone = try VerificationCodes.e164(request.parameters["phone"] ?? "")
            let rows = try await context.database.query("SELECT verified_at FROM verified_phones WHERE phone = $1", [.text(phone)])
            return try .json(PhoneStatus(phone: phone, verified: !rows.isEmpty))
        }
    }
}

/// The body of `POST /codes`.
struct PhoneRequest: Decodable {
    var phone: String
}

/// The body of `POST /codes/verify`.
struct VerifyRequest: Decodable {
    var phone: String
    var code: String
}

/// The answer of `GET /phones/:phone` and of a successful verification.
struct PhoneStatus: Encodable {
    var phone: String
    var verified: Bool
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(SMSNotifications()) }
