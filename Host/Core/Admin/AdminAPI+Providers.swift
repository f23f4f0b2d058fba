import BerthHTTP
import BerthProviders
import Foundation
import PluginAPI

extension AdminAPI {
    /// The provider slots' routes: `GET /api/v1/providers`, `PUT /api/v1/providers/{slot}`, the
    /// development inbox, and the presigned URLs of the `local` storage provider (which need no
    /// token: their signature is the credential).
    func registerProviders(in table: inout RoutingTable) throws {
        guard let hub = manager.services.hub else { return }
        try admin(.get, "/api/v1/providers", in: &table) { _, _ in
            JSONResponse.make(["slots": await hub.slots.reports()])
        }
        try admin(.put, "/api/v1/providers/:slot", in: &table) { request, _ in
            struct Choice: Decodable { let provider: String }
            let slot = request.parameters["slot"] ?? ""
            let choice = try Self.decode(Choice.self, from: request)
            do {
                try hub.slots.select(slot: slot, value: choice.provider)
            } catch let error as ProviderError {
                throw BerthError(status: error.status, code: error.code, message: error.message)
            }
            let report = await hub.slots.reports().first { $0.slot == slot }
            return JSONResponse.make(report)
        }
        try admin(.get, "/api/v1/dev/inbox", in: &table) { request, _ in
            JSONResponse.make(["messages": try hub.host.inbox.messages(channel: request.queryValue("channel"), to: request.queryValue("to"))])
        }
        try admin(.delete, "/api/v1/dev/inbox", in: &table) { _, _ in
            JSONResponse.make(["removed": try hub.host.inbox.clear()])
        }
        for method in [HTTPMethod.get, .put] {
            try table.add(method, PresignedURLSigner.path, owner: Self.owner, body: .buffered(limit: 64 << 20)) { request, _ in
                var query: [String: String] = [:]
                for name in ["key", "expires", "content_type", "signature"] { query[name] = request.queryValue(name) }
                do {
                    let answer = try await hub.host.storage.serve(method: method.rawValue, query: query, body: request.body, contentType: request.headers["Content-Type"])
                    var headers = HTTPHeaders()
                    headers["Content-Type"] = answer.contentType ?? "application/octet-stream"
                    return method == .put ? JSONResponse.make(["stored": query["key"] ?? ""]) : Response(status: answer.status, headers: headers, body: answer.body)
                } catch let error as ProviderError {
                    return JSONResponse.error(error.httpError)
                } catch {
                    return JSONResponse.error(error)
                }
            }
        }
    }
}
