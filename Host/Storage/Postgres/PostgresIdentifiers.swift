import Foundation

/// The names addon `id` owns in PostgreSQL: schema `addon_<id>`, owned by the `NOLOGIN` role
/// `berth_addon_<id>`, and the login role `berth_login_<id>` the host's connections for the addon
/// log in as.
///
/// The id is validated before any name is built, and the names are quoted anyway: SQL is assembled
/// from them for statements (`CREATE ROLE`, `SET SESSION AUTHORIZATION`) that take no parameters.
public struct PostgresIdentifiers: Sendable, Hashable {
    /// The addon's id.
    public let id: String

    /// `addon_<id>`.
    public var schema: String { "addon_" + id }

    /// `berth_addon_<id>`.
    public var role: String { "berth_addon_" + id }

    /// `berth_login_<id>`: a member of ``role`` and nothing else.
    public var login: String { "berth_login_" + id }

    /// PostgreSQL silently truncates longer identifiers, which would let two ids share a role.
    public static let maximumIdentifierBytes = 63

    /// Checks `id` against `^[a-z][a-z0-9_]{1,63}$` and against PostgreSQL's identifier length.
    public init(_ id: String) throws {
        let bytes = Array(id.utf8)
        guard bytes.count >= 2, bytes.count <= 64, let first = bytes.first, (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(first),
              bytes.allSatisfy({ (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") })
        else {
            throw PostgresError.invalidAddonID(id, "does not match ^[a-z][a-z0-9_]{1,63}$")
        }
        self.id = id
        // `berth_login_` is as long as `berth_addon_`, and both are longer than `addon_`.
        let longest = "berth_addon_".utf8.count + bytes.count
        guard longest <= Self.maximumIdentifierBytes else {
            throw PostgresError.invalidAddonID(id, "is too long for PostgreSQL: role \(role) would have \(longest) bytes, the limit is \(Self.maximumIdentifierBytes) (ids of at most \(Self.maximumIdentifierBytes - 12) characters fit)")
        }
    }

    /// `name` as a quoted identifier: `"name"`, with inner quotes doubled.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `text` as a string literal: `'text'`, with inner quotes doubled (standard_conforming_strings
    /// is on since PostgreSQL 9.1, so backslashes need nothing).
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The quoted schema name.
    public var quotedSchema: String { Self.quote(schema) }

    /// The quoted role name.
    public var quotedRole: String { Self.quote(role) }

    /// The quoted login role name.
    public var quotedLogin: String { Self.quote(login) }
}
