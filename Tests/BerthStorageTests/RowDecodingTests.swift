import BerthStorage
import Foundation
import PluginAPI
import Testing

/// Rows of a real SQLite file decoded into `Decodable` types, and the errors of a mismatch.
struct RowDecodingTests {
    let folder = NSTemporaryDirectory() + "berth-decode-\(UUID().uuidString.prefix(8))"

    struct Note: Decodable, Equatable {
        enum Kind: String, Decodable { case memo, todo }
        let id: Int
        let title: String
        let createdAt: String?
        let score: Double
        let done: Bool
        let kind: Kind
        let attachment: [UInt8]?
    }

    func open() throws -> (SQLiteConnection, any AddonDatabase) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let connection = try SQLiteConnection(path: folder + "/addon.sqlite")
        try connection.executeScript("""
            CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, created_at TEXT, score REAL, done INTEGER, kind TEXT, attachment BLOB);
            INSERT INTO notes VALUES (1, 'first', '2026-12-01', 2.5, 1, 'memo', x'00ff');
            INSERT INTO notes VALUES (2, 'second', NULL, 3, 0, 'todo', NULL);
            """)
        return (connection, connection.database)
    }

    @Test func rowsDecodeIntoATypeBySnakeCaseColumnNamesWithNullsAsNil() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        let notes = try await database.query(Note.self, "SELECT * FROM notes ORDER BY id")
        #expect(notes == [
            Note(id: 1, title: "first", createdAt: "2026-12-01", score: 2.5, done: true, kind: .memo, attachment: [0, 255]),
            Note(id: 2, title: "second", createdAt: nil, score: 3, done: false, kind: .todo, attachment: nil),
        ])
        let one = try #require(try await database.query("SELECT count(*) AS c FROM notes").first)
        #expect(try one.decode(Int.self) == 2)
    }

    @Test func aMismatchNamesTheTypePropertyColumnAndWhatItHolds() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        struct WrongType: Decodable { let title: Int }
        let wrong = await #expect(throws: DatabaseError.self) { _ = try await database.query(WrongType.self, "SELECT title FROM notes") }
        #expect(wrong?.code == "row_decoding_failed")
        #expect(wrong?.message == "WrongType.title: column title holds text \"first\", Int expected")

        struct Missing: Decodable { let id: Int; let updatedAt: String }
        let missing = await #expect(throws: DatabaseError.self) { _ = try await database.query(Missing.self, "SELECT id FROM notes") }
        #expect(missing?.message == "Missing.updatedAt: the row has no column updatedAt or updated_at (its columns: id)")

        struct NotNull: Decodable { let createdAt: String }
        let null = await #expect(throws: DatabaseError.self) { _ = try await database.query(NotNull.self, "SELECT created_at FROM notes WHERE id = 2") }
        #expect(null?.message == "NotNull.createdAt: column created_at holds NULL, String expected")

        struct Small: Decodable { let id: Int8 }
        let overflow = await #expect(throws: DatabaseError.self) { _ = try await database.query(Small.self, "SELECT 300 AS id") }
        #expect(overflow?.message == "Small.id: column id holds integer 300, Int8 expected")

        struct Fraction: Decodable { let score: Int }
        let fraction = await #expect(throws: DatabaseError.self) { _ = try await database.query(Fraction.self, "SELECT score FROM notes WHERE id = 1") }
        #expect(fraction?.message == "Fraction.score: column score holds real 2.5, Int expected")

        struct BadKind: Decodable { enum Kind: String, Decodable { case other } ; let kind: Kind }
        let badKind = await #expect(throws: DatabaseError.self) { _ = try await database.query(BadKind.self, "SELECT kind FROM notes") }
        #expect(badKind?.code == "row_decoding_failed")
        #expect(badKind?.message.contains("BadKind") == true)
    }
}
