import BerthHTTP
import Foundation
import PluginAPI

/// One addon's log lines: `GET /api/v1/addons/{id}/logs?level=&since=&request_id=&limit=` as JSON,
/// or, asked with `Accept: text/event-stream`, a live tail as server-sent events.
///
/// The tail is a bounded long poll in the server-sent events format: the answer waits (suspended,
/// holding no server thread) until lines newer than the client's `Last-Event-ID` (or `since`)
/// exist or `wait` seconds (default 15, at most 25) pass, sends them as `log` events whose id is
/// the line's timestamp, and ends with a `retry` field, so an `EventSource` reconnects at once
/// from the last id it saw and no line is lost or repeated between answers.
extension AdminAPI {
    func registerLogs(in table: inout RoutingTable) throws {
        guard let observability else { return }
        try admin(.get, "/api/v1/addons/:id/logs", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            _ = try await manager.addon(id)
            let query = try LogQuery(request)
            let file = AddonLogFile(home: observability.home, id: id, maximumBytes: AddonLogSettings.current.maximumBytes)
            guard request.headers["Accept"]?.contains("text/event-stream") == true else {
                return JSONResponse.make(["lines": file.lines(level: query.level, since: query.since, requestID: query.requestID, limit: query.limit ?? 100)])
            }
            return await Self.tail(file, query: query, lastEventID: request.headers["Last-Event-ID"])
        }
    }

    /// The filters of a log request, each checked.
    struct LogQuery {
        var level: LogLevel?
        var since: Int64?
        var requestID: String?
        var limit: Int?
        var wait: Duration = .seconds(15)

        init(_ request: Request) throws {
            if let value = request.queryValue("level"), !value.isEmpty {
                guard let level = AddonLogFile.level(named: value) else {
                    throw BerthError.badRequest("level=\(value.prefix(20)) must be debug, info, warning or error")
                }
                self.level = level
            }
            if let value = request.queryValue("since"), !value.isEmpty {
                guard let since = Self.timestamp(value) else {
                    throw BerthError.badRequest("since=\(value.prefix(40)) must be an ISO 8601 time (2026-01-31T12:00:00Z) or microseconds since 1970")
                }
                self.since = since
            }
            if let value = request.queryValue("request_id"), !value.isEmpty {
                guard value.count <= 128 else { throw BerthError.badRequest("request_id must be at most 128 characters") }
                requestID = value
            }
            if let value = request.queryValue("limit"), !value.isEmpty {
                guard let limit = Int(value), (1 ... 1000).contains(limit) else { throw BerthError.badRequest("limit=\(value.prefix(20)) must be a number from 1 to 1000") }
                self.limit = limit
            }
            if let value = request.queryValue("wait"), !value.isEmpty {
                guard let seconds = Int(value), (0 ... 25).contains(seconds) else { throw BerthError.badRequest("wait=\(value.prefix(20)) must be a number of seconds from 0 to 25") }
                wait = .seconds(seconds)
            }
        }

        /// Microseconds since 1970 from an ISO 8601 time or a number.
        static func timestamp(_ text: String) -> Int64? {
            if let number = Int64(text), number >= 0 { return number }
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1_000_000) }
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1_000_000) }
        }
    }

    /// The server-sent events answer of one long poll.
    static func tail(_ file: AddonLogFile, query: LogQuery, lastEventID: String?) async -> Response {
        let cursor = lastEventID.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } ?? query.since
        let clock = ContinuousClock()
        let deadline = clock.now + query.wait
        var lines: [AddonLogFile.Line]
        repeat {
            // Without a cursor the tail starts with the newest lines, then follows.
            lines = file.lines(level: query.level, since: cursor, requestID: query.requestID, limit: query.limit ?? (cursor == nil ? 20 : 1000))
            if !lines.isEmpty || cursor == nil { break }
            try? await Task.sleep(for: .milliseconds(200))
        } while clock.now < deadline && !Task.isCancelled
        var body = "retry: 500\n"
        if lines.isEmpty {
            // No id: the client keeps the one it had.
            body += ": no new lines\n\n"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in lines {
            guard let data = try? encoder.encode(line) else { continue }
            body += "id: \(line.timestamp)\nevent: log\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        }
        if lines.isEmpty, cursor == nil {
            body += "id: \(Int64(Date().timeIntervalSince1970 * 1_000_000))\n\n"
        }
        return Response(status: 200, headers: ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"], body: Array(body.utf8))
    }
}
