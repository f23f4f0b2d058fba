import CPostgres
#if canImport(Glibc)
import Glibc
#endif

/// The middle layer over libpq: raw calls whose status is turned into a ``PostgresError`` here, so
/// the public types above never look at a `PGresult` status or an error field themselves.
enum LibPQ {
    /// Opens a connection from a `postgres://` URL (or a `key=value` string), in UTF-8, with the
    /// server's notices silenced: libpq would print them on stderr, and `DROP … CASCADE` and
    /// identifier truncation notices are routine here.
    ///
    /// `user` and `password`, when given, replace the URL's: addon connections reach the same
    /// server and database as the admin URL under their own login role.
    static func connect(_ url: String, user: String? = nil, password: String? = nil) throws -> OpaquePointer {
        // With expand_dbname, the first `dbname` is parsed as the URL and later keywords override it.
        var pairs = [("dbname", url)]
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        let connection = withCStrings(pairs.map(\.0)) { keywords in
            withCStrings(pairs.map(\.1)) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let handle = connection else {
            throw PostgresError.connect(redacted(url), "out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let detail = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError.connect(redacted(url), detail)
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQsetClientEncoding(handle, "UTF8") == 0 else {
            let detail = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError.connect(redacted(url), "cannot use UTF8: \(detail)")
        }
        return handle
    }

    /// Calls `body` with `strings` as a NULL-terminated array of C strings, valid only for the call.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Takes ownership of `result`: returns it when the command succeeded, or frees it and throws
    /// the server's error (message, detail, hint and SQLSTATE).
    static func check(_ result: OpaquePointer?, on handle: OpaquePointer, sql: String) throws -> PostgresResult {
        guard let result else {
            // No result at all: out of memory, or the connection is gone.
            throw PostgresError.connectionLost(errorMessage(handle), sql: sql)
        }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            let error = serverError(result, on: handle, sql: sql)
            PQclear(result)
            throw error
        default:
            let name = String(cString: PQresStatus(status))
            PQclear(result)
            throw PostgresError.unexpectedResult(name, sql: sql)
        }
    }

    /// Runs one or more statements without parameters (the simple query protocol).
    static func exec(_ handle: OpaquePointer, _ sql: String) throws -> PostgresResult {
        try check(PQexec(handle, sql), on: handle, sql: sql)
    }

    /// Whether the connection is up; a broken one must be closed, not reused.
    static func isOK(_ handle: OpaquePointer) -> Bool {
        PQstatus(handle) == CONNECTION_OK
    }

    /// Frees every notification libpq has queued on the connection: nothing reads them on an
    /// addon's connections, and a `LISTEN` there would otherwise grow the host's memory without end.
    static func discardNotifications(_ handle: OpaquePointer) {
        while let notification = PQnotifies(handle) { PQfreemem(notification) }
    }

    /// Whether an idle connection's server is still there. An idle connection has nothing to read
    /// unless the server is going away: a terminated backend sends its `FATAL` error (which libpq
    /// takes as a notice while idle) and closes, so input is read until there is none, or until
    /// libpq sees the end of the stream and marks the connection bad. No round trip.
    static func isAliveWhileIdle(_ handle: OpaquePointer) -> Bool {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0 ..< 8 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready == 0 { return isOK(handle) && isIdle(handle) }
            if ready < 0 { return errno == EINTR && isOK(handle) }
            guard PQconsumeInput(handle) == 1 else { return false }
            _ = PQisBusy(handle)
            discardNotifications(handle)
            guard isOK(handle) else { return false }
        }
        return isOK(handle) && isIdle(handle)
    }

    /// Whether the connection is outside any transaction block.
    static func isIdle(_ handle: OpaquePointer) -> Bool {
        PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// A server parameter as last reported by the server (`session_authorization`, `is_superuser`…).
    static func parameterStatus(_ handle: OpaquePointer, _ name: String) -> String? {
        PQparameterStatus(handle, name).map { String(cString: $0) }
    }

    /// `password` hashed for `user` the way the server stores it (SCRAM-SHA-256 by default), so
    /// `CREATE ROLE … PASSWORD` never sends, nor logs, the password itself.
    static func encryptPassword(_ handle: OpaquePointer, _ password: String, user: String) throws -> String {
        guard let hashed = PQencryptPasswordConn(handle, password, user, nil) else {
            throw PostgresError.connectionLost(errorMessage(handle), sql: "PQencryptPasswordConn")
        }
        defer { PQfreemem(hashed) }
        return String(cString: hashed)
    }

    /// libpq's last message on the connection, without its trailing newline.
    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingTrailingNewlines()
        return message.isEmpty ? "unknown libpq error" : message
    }

    /// `url` without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound ..< at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func serverError(_ result: OpaquePointer, on handle: OpaquePointer, sql: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        guard let primary = field("M") else {
            // libpq's own failure (e.g. the server went away) rather than a server error.
            let detail = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
            return PostgresError.connectionLost(detail.isEmpty ? errorMessage(handle) : detail, sql: sql)
        }
        var message = primary
        if let detail = field("D") { message += "; detail: \(detail)" }
        if let hint = field("H") { message += "; hint: \(hint)" }
        return PostgresError.server(sqlState: field("C"), message: message, sql: sql)
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
