import PluginAPI

/// Greets a name with the configured greeting and counts greetings per name.
struct Greeter: Addon {
    var id: String { "greeter" }
    var version: String { "1.0.0" }

    func register(_ router: inout Router) {
        // No `await`: a synchronous handler, called on the thread that read the request.
        router.get("/hello") { _, context in
            let configuration = context.configuration
            return .text("\(configuration.string("greeting") ?? "Hello")\(configuration.string("punctuation") ?? "!")")
        }
        // The host lets only callers with a valid token through (the manifest's route policy).
        router.get("/me") { _, context in
            guard let identity = context.identity else { throw HTTPError(status: 401, code: "unauthorized", message: "sign in first") }
            return try .json(Caller(subject: identity.subject, roles: identity.roles))
        }
        router.get("/count/:name") { request, context in
            let rows = try await context.database.query("SELECT count FROM greetings WHERE name = $1", [.text(request.parameters["name"] ?? "")])
            return try .json(Count(count: rows.first?["count"]?.integer ?? 0))
        }
        router.get("/:name") { request, context in
            let name = request.parameters["name"] ?? ""
            guard !name.isEmpty, name.count <= 64 else { throw HTTPError.badRequest("name must have 1 to 64 characters") }
            let rows = try await context.database.query(
                "INSERT INTO greetings (name, count) VALUES ($1, 1) ON CONFLICT(name) DO UPDATE SET count = greetings.count + 1 RETURNING count",
                [.text(name)]
            )
            let greeting = context.configuration.string("greeting") ?? "Hello"
            let punctuation = context.configuration.string("punctuation") ?? "!"
            let count = rows.first?["count"]?.integer ?? 1
            context.logger.debug("greeted", metadata: ["name": "\(name)", "count": .integer(count)])
            return try .json(Greeting(count: count, message: "\(greeting), \(name)\(punctuation)"))
        }
    }

    func configurationDidChange(_ configuration: AddonConfiguration, context: AddonContext) async {
        context.logger.info("greeting is now \(configuration.string("greeting") ?? "Hello")")
    }
}

/// The answer of `GET /me`.
struct Caller: Encodable {
    var subject: String
    var roles: [String]
}

/// The answer of `GET /count/:name`.
struct Count: Encodable {
    var count: Int64
}

/// The answer of `GET /:name`.
struct Greeting: Encodable {
    var count: Int64
    var message: String
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(Greeter()) }
