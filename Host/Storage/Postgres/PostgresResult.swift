import CPostgres
import PluginAPI

/// A successful `PGresult`, freed when released. Used only under its connection's lock.
final class PostgresResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// The rows a command changed (`INSERT`, `UPDATE`, `DELETE`, `MERGE`…), 0 for the others.
    var affectedRows: Int {
        Int(String(cString: PQcmdTuples(handle))) ?? 0
    }

    /// The bytes of every value, as the server sent them.
    var valueBytes: Int {
        var total = 0
        for row in 0 ..< PQntuples(handle) {
            for column in 0 ..< PQnfields(handle) { total += Int(PQgetlength(handle, row, column)) }
        }
        return total
    }

    /// The rows, each value typed from its column's type: see ``PostgresValueCoding/decode(_:type:)``.
    func rows() -> [SQLRow] {
        let columnCount = PQnfields(handle)
        let rowCount = PQntuples(handle)
        guard columnCount > 0, rowCount > 0 else { return [] }
        let columns = (0 ..< columnCount).map { String(cString: PQfname(handle, $0)) }
        let types = (0 ..< columnCount).map { PQftype(handle, $0) }
        var rows: [SQLRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0 ..< rowCount {
            let values = (0 ..< columnCount).map { column -> SQLValue in
                if PQgetisnull(handle, row, column) == 1 { return .null }
                let length = Int(PQgetlength(handle, row, column))
                let bytes = UnsafeRawBufferPointer(start: PQgetvalue(handle, row, column), count: length)
                return PostgresValueCoding.decode(bytes, type: types[Int(column)])
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }
}
