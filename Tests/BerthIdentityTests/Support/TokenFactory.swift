import Foundation

/// Builds compact JWTs from header and claim JSON, signed however a test needs.
struct TokenFactory {
    static let now: Double = 1_800_000_000

    /// Claims that pass the default rules at ``now``, with `overrides` applied.
    static func claims(_ overrides: [String: Any] = [:], removing: [String] = []) -> String {
        var claims: [String: Any] = ["sub": "user-42", "exp": now + 600, "iat": now, "roles": ["editor"]]
        for (key, value) in overrides { claims[key] = value }
        for key in removing { claims.removeValue(forKey: key) }
        return String(decoding: try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]), as: UTF8.self)
    }

    static func header(_ alg: String, kid: String? = nil, extra: String = "") -> String {
        var fields = ["\"alg\":\"\(alg)\""]
        if let kid { fields.append("\"kid\":\"\(kid)\"") }
        if !extra.isEmpty { fields.append(extra) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func signingInput(header: String, claims: String) -> String {
        b64(header) + "." + b64(claims)
    }

    static func signed(_ key: TestKey, alg: String, kid: String?, claims: String = claims()) -> String {
        let input = signingInput(header: header(alg, kid: kid), claims: claims)
        return input + "." + b64(key.sign(Array(input.utf8), algorithm: alg))
    }

    static func hmacSigned(secret: String, alg: String = "HS256", kid: String? = nil, claims: String = claims(), headerJSON: String? = nil) -> String {
        let input = signingInput(header: headerJSON ?? header(alg, kid: kid), claims: claims)
        return input + "." + b64(hmac(Array(input.utf8), secret: Array(secret.utf8), algorithm: alg))
    }

    static func jwks(_ keys: [[String: String]]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: ["keys": keys]))
    }
}
