import Foundation
import PluginAPI
import Synchronization

/// Chat sessions with a small rule-based assistant.
///
/// Shows the parts of PluginAPI an addon usually needs: tables of its own (see `migrations/`),
/// routes with path parameters, configuration, and events: every message publishes
/// `chat.message.created`, and host lifecycle events are counted.
final class AIChatbot: Addon {
    var id: String { "ai_chatbot" }
    var version: String { "1.0.0" }

    /// Lifecycle events seen since start, by name.
    let lifecycleEvents = Mutex<[String: Int]>([:])

    func start(_ context: AddonContext) async throws {
        await context.events.subscribe("berth.addon.*") { [self] event in
            self.lifecycleEvents.withLock { $0[event.name, default: 0] += 1 }
        }
        context.logger.info("chatbot ready", metadata: ["assistant": Self.assistantName(context)])
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.post("/sessions", createSession)
        routes.get("/sessions", listSessions)
        routes.get("/sessions/:id", showSession)
        routes.delete("/sessions/:id", deleteSession)
        routes.post("/sessions/:id/messages", postMessage)
        routes.get("/stats") { [self] _, context in
            let rows = try await context.database.query("SELECT (SELECT count(*) FROM chat_sessions) AS sessions, (SELECT count(*) FROM chat_messages) AS messages")
            let events = self.lifecycleEvents.withLock { $0 }
            return try JSON.response([
                "sessions": rows.first?["sessions"]?.integer ?? 0,
                "messages": rows.first?["messages"]?.integer ?? 0,
                "lifecycleEvents": events,
            ] as [String: Any])
        }
    }

    private func createSession(_ request: Request, _ context: AddonContext) async throws -> Response {
        let body = try JSON.object(request.body)
        let title = (body["title"] as? String) ?? "New chat"
        guard !title.isEmpty, title.count <= 200 else { throw HTTPError.badRequest("title must have 1 to 200 characters") }
        let rows = try await context.database.query("INSERT INTO chat_sessions (title) VALUES ($1) RETURNING id, title, created_at", [.text(title)])
        return try JSON.response(Self.session(rows[0]), status: 201)
    }

    private func listSessions(_ request: Request, _ context: AddonContext) async throws -> Response {
        let rows = try await context.database.query("SELECT id, title, created_at FROM chat_sessions ORDER BY id")
        return try JSON.response(["sessions": rows.map(Self.session)])
    }

    private func showSession(_ request: Request, _ context: AddonContext) async throws -> Response {
        let id = try Self.sessionID(request)
        let sessions = try await context.database.query("SELECT id, title, created_at FROM chat_sessions WHERE id = $1", [.integer(id)])
        guard let session = sessions.first else { throw Self.notFound(id) }
        let messages = try await context.database.query("SELECT role, content, created_at FROM chat_messages WHERE session_id = $1 ORDER BY id", [.integer(id)])
        var result = Self.session(session)
        result["messages"] = messages.map { ["role": $0["role"]?.text ?? "", "content": $0["content"]?.text ?? ""] }
        return try JSON.response(result)
    }

    private func deleteSession(_ request: Request, _ context: AddonContext) async throws -> Response {
        let id = try Self.sessionID(request)
        guard try await context.database.execute("DELETE FROM chat_sessions WHERE id = $1", [.integer(id)]) > 0 else { throw Self.notFound(id) }
        return Response(status: 204)
    }

    private func postMessage(_ request: Request, _ context: AddonContext) async throws -> Response {
        let id = try Self.sessionID(request)
        let body = try JSON.object(request.body)
        guard let content = body["content"] as? String, !content.isEmpty else { throw HTTPError.badRequest("content is required") }
        let limit = context.configuration.integer("maxMessageLength") ?? 2000
        guard content.count <= limit else { throw HTTPError.badRequest("content is longer than \(limit) characters") }
        guard try await !context.database.query("SELECT 1 FROM chat_sessions WHERE id = $1", [.integer(id)]).isEmpty else { throw Self.notFound(id) }
        let reply = Self.reply(to: content, assistant: Self.assistantName(context))
        try await context.database.execute("INSERT INTO chat_messages (session_id, role, content) VALUES ($1, 'user', $2)", [.integer(id), .text(content)])
        try await context.database.execute("INSERT INTO chat_messages (session_id, role, content) VALUES ($1, 'assistant', $2)", [.integer(id), .text(reply)])
        await context.events.publish("chat.message.created", payload: .object(["session": .number(Double(id))]))
        return try JSON.response(["user": content, "reply": reply], status: 201)
    }

    static func reply(to message: String, assistant: String) -> String {
        let lowered = message.lowercased()
        if lowered.contains("hello") || lowered.contains("hi ") || lowered == "hi" {
            return "Hello! I am \(assistant). How can I help?"
        }
        if lowered.hasSuffix("?") {
            return "Good question. \(assistant) has noted it: \"\(message)\""
        }
        return "\(assistant) heard: \(message)"
    }

    static func assistantName(_ context: AddonContext) -> String {
        context.configuration.string("assistantName") ?? "Berthy"
    }

    static func sessionID(_ request: Request) throws -> Int64 {
        guard let text = request.parameters["id"], let id = Int64(text) else { throw HTTPError.badRequest("session id must be a number") }
        return id
    }

    static func notFound(_ id: Int64) -> HTTPError {
        HTTPError(status: 404, code: "session_not_found", message: "no chat session \(id)")
    }

    static func session(_ row: SQLRow) -> [String: Any] {
        ["id": row["id"]?.integer ?? 0, "title": row["title"]?.text ?? "", "createdAt": row["created_at"]?.text ?? ""]
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(AIChatbot()) }
