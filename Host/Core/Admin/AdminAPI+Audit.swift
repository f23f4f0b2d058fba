import BerthHTTP
import PluginAPI

extension AdminAPI {
    /// The most entries one `GET /api/v1/audit` answers.
    static let maximumAuditEntries = 1000

    /// `GET /api/v1/audit?addon=&event=&limit=`: the audit log of every addon's lifecycle, newest
    /// first (`limit` 1–1000, default 200), optionally of one addon and one event.
    func registerAudit(in table: inout RoutingTable) throws {
        let log = manager.auditLog
        try admin(.get, "/api/v1/audit", in: &table) { request, _ in
            var limit = 200
            if let text = request.queryValue("limit") {
                guard let value = Int(text), (1 ... Self.maximumAuditEntries).contains(value) else {
                    throw BerthError.badRequest("query parameter limit=\(text.prefix(20)) must be a whole number from 1 to \(Self.maximumAuditEntries)")
                }
                limit = value
            }
            let addon = request.queryValue("addon").flatMap { $0.isEmpty ? nil : $0 }
            let event = request.queryValue("event").flatMap { $0.isEmpty ? nil : $0 }
            return JSONResponse.make(["entries": log.recent(addon: addon, event: event, limit: limit)])
        }
    }
}
