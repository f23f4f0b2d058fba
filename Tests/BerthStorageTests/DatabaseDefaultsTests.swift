import PluginAPI
import Testing

/// A database written against PluginAPI 1.1.0 (only `execute` and `query`) still compiles, and its
/// transactions are refused clearly instead of running without one.
struct DatabaseDefaultsTests {
    struct OldDatabase: AddonDatabase {
        var dialect: String { "sqlite" }
        func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int { 1 }
        func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
            [SQLRow(columns: ["id", "title"], values: [.integer(1), .text("kept")])]
        }
    }

    @Test func aDatabaseWithoutTransactionsRefusesThemNamingWhy() async throws {
        let database: any AddonDatabase = OldDatabase()
        let ran = Latch()
        let error = await #expect(throws: DatabaseError.self) {
            try await database.transaction { tx in
                ran.open()
                try await tx.execute("INSERT INTO notes VALUES (1)")
            }
        }
        #expect(error?.code == "transactions_unsupported")
        #expect(error?.message.contains("PluginAPI 1.1.0") == true)
        #expect(!ran.isOpen, "the body must not run outside a transaction")
        struct Note: Decodable, Equatable { let id: Int; let title: String }
        #expect(try await database.query(Note.self, "SELECT id, title FROM notes") == [Note(id: 1, title: "kept")])
    }
}
