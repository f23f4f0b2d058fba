extension SQLRow {
    /// The row as a value of `type`, each property read from the column of the same name, or of its
    /// snake_case spelling (`createdAt` from `created_at`).
    ///
    /// ```swift
    /// struct Note: Decodable { let id: Int; let title: String; let createdAt: String? }
    /// let note = try rows[0].decode(Note.self)
    /// ```
    ///
    /// Integers decode from integer columns (and from reals without a fraction, such as
    /// PostgreSQL's `numeric`) when they fit the property's type; `Double` and `Float` from integers
    /// and reals; `String` from text; `Bool` from integers (0 or 1, PostgreSQL's `boolean` included);
    /// `[UInt8]` from blobs. `NULL` or a missing column decodes as `nil` into an optional property.
    /// - Throws: ``DatabaseError`` code `row_decoding_failed`, naming the type, the property's
    ///   column and what it holds, e.g. "Note.title: column title holds integer 7, String expected".
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: SQLRowDecoder(row: self, typeName: "\(T.self)"))
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError.decodingFailed("cannot decode \(T.self) from a row with columns \(columns.joined(separator: ", ")): \(error)", cause: error)
        }
    }
}

extension AddonDatabase {
    /// Runs a query and decodes each row into `type` (see ``SQLRow/decode(_:)``).
    public func query<T: Decodable>(_ type: T.Type, _ sql: String, _ parameters: [SQLValue] = []) async throws -> [T] {
        try await query(sql, parameters).map { try $0.decode(T.self) }
    }
}
