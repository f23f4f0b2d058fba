import FixtureIdentity
import Foundation
import Glibc
import PluginAPI

/// An addon that publishes and durably subscribes to events, for the delivery tests; its id and
/// version come from the installed manifest, so one build serves as any number of addons.
///
/// Its package's migrations create `handled (event_id TEXT, name TEXT, source TEXT, published_ms
/// BIGINT, pid INTEGER)` and `attempts (event_id TEXT)`.
/// - An id ending in `_p<N>` subscribes durably to `fixture.*` with priority N and 3 attempts. Its
///   handler fails (throws) while it has failed fewer times for the event than the payload's
///   `fail`; then it inserts the event into `handled` and appends `handled <addon> <event id>` to
///   the file named by the environment's `FIXTURE_EVENT_TRACE`.
/// - `POST <prefix>/publish?name=&fail=` publishes an event (payload `{"fail": n}`), `202`.
/// - `GET <prefix>/handled` answers `{"handled": [{"id", "name", "source", "published", "pid"}, …]}`.
struct FixtureEventsAddon: Addon {
    let id: String
    let version: String

    var priority: Int? {
        guard let range = id.range(of: "_p", options: .backwards) else { return nil }
        return Int(id[range.upperBound...])
    }

    func start(_ context: AddonContext) async throws {
        guard let priority else { return }
        let database = context.database, id = id
        await context.events.subscribe("fixture.*", options: SubscriptionOptions(priority: priority, maxAttempts: 3)) { event in
            var fail = 0
            if case .object(let payload) = event.payload, case .number(let value) = payload["fail"] { fail = Int(value) }
            let failed = try await database.query("SELECT count(*) AS c FROM attempts WHERE event_id = $1", [.text(event.id)]).first?["c"]?.integer ?? 0
            if failed < fail {
                try await database.execute("INSERT INTO attempts (event_id) VALUES ($1)", [.text(event.id)])
                throw HTTPError(status: 500, code: "failed_on_purpose", message: "attempt \(failed + 1) of event \(event.id) fails on purpose")
            }
            try await database.execute(
                "INSERT INTO handled (event_id, name, source, published_ms, pid) VALUES ($1, $2, $3, $4, $5)",
                [.text(event.id), .text(event.name), .text(event.source), .integer(event.publishedAtMilliseconds), .integer(Int64(getpid()))]
            )
            appendTrace("handled \(id) \(event.id)", toFileNamedBy: "FIXTURE_EVENT_TRACE")
        }
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.post("/publish") { request, context in
            let name = request.queryValue("name") ?? "fixture.note"
            let fail = Double(request.queryValue("fail") ?? "0") ?? 0
            await context.events.publish(name, payload: .object(["fail": .number(fail)]))
            return .text("published", status: 202)
        }
        routes.get("/handled") { _, context in
            let rows = try await context.database.query("SELECT event_id, name, source, published_ms, pid FROM handled", [])
            let handled: [JSONValue] = rows.map { row in
                .object([
                    "id": .string(row["event_id"]?.text ?? ""), "name": .string(row["name"]?.text ?? ""), "source": .string(row["source"]?.text ?? ""),
                    "published": .number(Double(row["published_ms"]?.integer ?? 0)), "pid": .number(Double(row["pid"]?.integer ?? 0)),
                ])
            }
            return try .json(JSONValue.object(["handled": .array(handled)]))
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    return AddonABI.export(FixtureEventsAddon(id: identity.id, version: identity.version))
}
