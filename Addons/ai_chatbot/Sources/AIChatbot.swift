import PluginAPI
import Synchronization

/// Chat sessions with a small rule-based assistant.
///
/// A session belongs to whoever created it: the signed-in caller (the host verifies the token,
/// the manifest declares `auth: optional`), or nobody for an anonymous one. Every query names the
/// owner, so another caller gets 404 for a session that is not theirs.
///
/// Shows the parts of PluginAPI an addon usually needs: tables of its own (see `migrations/`),
/// routes with path parameters and JSON bodies decoded into types, configuration, the request's
/// logger, and events: every message publishes `chat.message.created`, and host lifecycle events
/// are counted.
final class AIChatbot: Addon {
    var id: String { "ai_chatbot" }
    var version: String { "1.1.0" }

    /// Lifecycle events seen since start, by name.
    let lifecycleEvents = Mutex<[String: Int]>([:])

    func start(_ context: AddonContext) async throws {
        // Throws, naming the permission, when the manifest lacks `events`: the install is refused
        // instead of the addon running without the counts it promises.
        let events = try context.service(.events)
        await events.subscribe("berth.addon.*") { [self] event in
            self.lifecycleEvents.withLock { $0[event.name, default: 0] += 1 }
        }
        context.logger.info("chatbot ready", metadata: ["assistant": "\(Self.assistantName(context.configuration))"])
    }

    func register(_ router: inout Router) {
        router.post("/sessions", createSession)
        router.get("/sessions", listSessions)
        router.get("/sessions/:id", showSession)
        router.delete("/sessions/:id", deleteSession)
        router.post("/sessions/:id/messages", postMessage)
        router.get("/stats") { [self] _, context in
            let rows = try await context.database.query("SELECT (SELECT count(*) FROM chat_sessions) AS sessions, (SELECT count(*) FROM chat_messages) AS messages")
            return try .json(Stats(
                sessions: rows.first?["sessions"]?.integer ?? 0,
                messages: rows.first?["messages"]?.integer ?? 0,
                lifecycleEvents: self.lifecycleEvents.withLock { $0 }
            ))
        }
    }

    private func createSession(_ request: Request, _ context: RequestContext) async throws -> Response {
        let body = request.body.isEmpty ? NewSession() : try request.decode(NewSession.self)
        let title = body.title ?? "New chat"
        guard !title.isEmpty, title.count <= 200 else { throw HTTPError.badRequest("title must have 1 to 200 characters") }
        let rows = try await context.database.query("INSERT INTO chat_sessions (title, owner) VALUES ($1, $2) RETURNING id, title, created_at", [.text(title), Self.owner(context)])
        context.logger.info("session created", metadata: ["session": .integer(rows[0]["id"]?.integer ?? 0)])
        return try .json(Session(rows[0]), status: 201)
    }

    private func listSessions(_ request: Request, _ context: RequestContext) async throws -> Response {
        let rows = try await context.database.query("SELECT id, title, created_at FROM chat_sessions WHERE \(Self.ownedBy(context, 1)) ORDER BY id", [Self.owner(context)])
        return try .json(["sessions": rows.map(Session.init)])
    }

    private func showSession(_ request: Request, _ context: RequestContext) async throws -> Response {
        let id = try Self.sessionID(request)
        let sessions = try await context.database.query("SELECT id, title, created_at FROM chat_sessions WHERE id = $1 AND \(Self.ownedBy(context, 2))", [.integer(id), Self.owner(context)])
        guard let row = sessions.first else { throw Self.notFound(id) }
        let messages = try await context.database.query("SELECT role, content, created_at FROM chat_messages WHERE session_id = $1 ORDER BY id", [.integer(id)])
        var session = Session(row)
        session.messages = messages.map { Message(role: $0["role"]?.text ?? "", content: $0["content"]?.text ?? "") }
        return try .json(session)
    }

    private func deleteSession(_ request: Request, _ context: RequestContext) async throws -> Response {
        let id = try Self.sessionID(request)
        guard try await context.database.execute("DELETE FROM chat_sessions WHERE id = $1 AND \(Self.ownedBy(context, 2))", [.integer(id), Self.owner(context)]) > 0 else { throw Self.notFound(id) }
        return Response(status: 204)
    }

    private func postMessage(_ request: Request, _ context: RequestContext) async throws -> Response {
        let id = try Self.sessionID(request)
        let content = try request.decode(NewMessage.self).content
        guard !content.isEmpty else { throw HTTPError.badRequest("content must not be empty") }
        let limit = context.configuration.integer("maxMessageLength") ?? 2000
        guard content.count <= limit else { throw HTTPError.badRequest("content is longer than \(limit) characters") }
        guard try await !context.database.query("SELECT 1 FROM chat_sessions WHERE id = $1 AND \(Self.ownedBy(context, 2))", [.integer(id), Self.owner(context)]).isEmpty else { throw Self.notFound(id) }
        let reply = Self.reply(to: content, assistant: Self.assistantName(context.configuration))
        try await context.database.execute("INSERT INTO chat_messages (session_id, role, content) VALUES ($1, 'user', $2)", [.integer(id), .text(content)])
        try await context.database.execute("INSERT INTO chat_messages (session_id, role, content) VALUES ($1, 'assistant', $2)", [.integer(id), .text(reply)])
        try await context.events.publish("chat.message.created", payload: .object(["session": .number(Double(id))]))
        return try .json(Exchange(user: content, reply: reply), status: 201)
    }

    /// The caller's subject, or NULL for an anonymous caller.
    static func owner(_ context: RequestContext) -> SQLValue {
        context.identity.map { .text($0.subject) } ?? .null
    }

    /// `owner` equal to parameter `index`, NULL matching NULL, in the database's dialect.
    static func ownedBy(_ context: RequestContext, _ index: Int) -> String {
        context.database.dialect == "postgres" ? "owner IS NOT DISTINCT FROM $\(index)::text" : "owner IS $\(index)"
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

    static func assistantName(_ configuration: AddonConfiguration) -> String {
        configuration.string("assistantName") ?? "Berthy"
    }

    static func sessionID(_ request: Request) throws -> Int64 {
        guard let text = request.parameters["id"], let id = Int64(text) else { throw HTTPError.badRequest("session id must be a number") }
        return id
    }

    static func notFound(_ id: Int64) -> HTTPError {
        HTTPError(status: 404, code: "session_not_found", message: "no chat session \(id)")
    }
}

/// The body of `POST /sessions`.
struct NewSession: Decodable {
    var title: String?
}

/// The body of `POST /sessions/:id/messages`.
struct NewMessage: Decodable {
    var content: String
}

/// A session as the routes answer it.
struct Session: Encodable {
    var id: Int64
    var title: String
    var createdAt: String
    var messages: [Message]?

    init(_ row: SQLRow) {
        id = row["id"]?.integer ?? 0
        title = row["title"]?.text ?? ""
        createdAt = row["created_at"]?.text ?? ""
    }
}

/// One message of a session.
struct Message: Encodable {
    var role: String
    var content: String
}

/// The answer to a posted message.
struct Exchange: Encodable {
    var user: String
    var reply: String
}

/// The answer of `GET /stats`.
struct Stats: Encodable {
    var sessions: Int64
    var messages: Int64
    var lifecycleEvents: [String: Int]
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(AIChatbot()) }
