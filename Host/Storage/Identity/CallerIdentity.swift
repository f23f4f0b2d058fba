import Foundation
import PluginAPI

/// The end user a request runs for, as the database sees it: bound by the host around a handler
/// that has an identity, read by the addon's database calls made during it.
///
/// On PostgreSQL every call made with an identity first sets `berth.user_id` (the subject) and
/// `berth.claims` (the token's claims as JSON) for the session, and the connection is reset after
/// the call, so row-level security policies can say
/// `USING (owner = current_setting('berth.user_id', true))`, the way Supabase's `auth.uid()` works.
/// On SQLite the same values are the SQL functions `berth_user_id()` and `berth_claims()`.
///
/// These settings guard an addon against its own mistakes (a query that forgot its `WHERE`), not
/// against hostile addon code, which can set them itself.
public enum CallerIdentity {
    /// The subject and claims of the caller.
    public struct Value: Sendable {
        /// The token's `sub`.
        public let subject: String
        /// Every claim of the token.
        public let claims: [String: JSONValue]

        /// Creates a value.
        public init(subject: String, claims: [String: JSONValue]) {
            self.subject = subject
            self.claims = claims
        }

        /// The claims as one JSON object, keys sorted.
        public var claimsJSON: String {
            (try? Self.encoder.encode(claims)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }

        /// One encoder for every call: its options never change after this, and encoding with a
        /// shared `JSONEncoder` is safe from any thread (it is `Sendable`). Making one per
        /// database call cost an object and its options' storage each time.
        private static let encoder: JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return encoder
        }()
    }

    /// The caller of the request running on this task, if it has one.
    @TaskLocal public static var current: Value?
}
