import BerthHTTP
import BerthMetrics
import Foundation
import PluginAPI

/// `GET /metrics`: the whole host's metrics in the Prometheus text format, or OpenMetrics
/// when the scraper's `Accept` asks for it. Needs the admin token or `BERTH_METRICS_TOKEN` (a
/// separate token for scrapers, which then need no admin rights).
struct MetricsEndpoint: Sendable {
    let table: SeriesTable
    /// The per-process gauges (connections, pools, memory, in-flight requests), summed at scrape.
    let processes: ProcessGauges?
    let admin: AdminAuthenticator
    let scraper: AdminAuthenticator?

    /// Adds the route to `routes`.
    func register(in routes: inout RoutingTable) throws {
        try routes.add(.get, "/metrics", owner: AdminAPI.owner, immediate: { request in
            guard admin.isAuthorized(request) || scraper?.isAuthorized(request) == true else {
                var refusal = JSONResponse.error(status: 401, code: "unauthorized", message: "/metrics needs 'Authorization: Bearer <token>' with the admin token or BERTH_METRICS_TOKEN")
                refusal.headers["WWW-Authenticate"] = "Bearer realm=\"berth\""
                return refusal
            }
            let format = Exposition.Format.negotiated(accept: request.headers["Accept"])
            return Response(status: 200, headers: ["Content-Type": format.contentType], body: table.renderBytes(format, extra: processes?.families(table: table) ?? []))
        })
    }
}
