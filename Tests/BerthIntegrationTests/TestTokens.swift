import COpenSSL
import Foundation

/// HS256 tokens for the end-user auth tests, signed with libcrypto's HMAC.
enum TestTokens {
    static let secret = "integration-secret-of-at-least-32-bytes"

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A token with `claims` (an expiry an hour ahead unless given), signed with `secret`.
    static func hs256(_ claims: [String: Any], secret: String = TestTokens.secret, header: String = #"{"alg":"HS256","typ":"JWT"}"#) -> String {
        var claims = claims
        if claims["exp"] == nil { claims["exp"] = Int(Date().timeIntervalSince1970) + 3600 }
        let payload = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = base64URL(Data(header.utf8)) + "." + base64URL(payload)
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let key = Array(secret.utf8), data = Array(input.utf8)
        _ = HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &output, &length)
        return input + "." + base64URL(Data(output))
    }
}
