import PluginAPI

/// Greets a name with the configured greeting and counts greetings per name.
struct Greeter: Addon {
    var id: String { "greeter" }
    var version: String { "1.0.0" }

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/hello") { _, context in
            let configuration = context.configuration
            return .text("\(configuration.string("greeting") ?? "Hello")\(configuration.string("punctuation") ?? "!")")
        }
        routes.get("/count/:name") { request, context in
            let rows = try await context.database.query("SELECT count FROM greetings WHERE name = $1", [.text(request.parameters["name"] ?? "")])
            return .json(raw: Array("{\"count\":\(rows.first?["count"]?.integer ?? 0)}".utf8))
        }
        routes.get("/:name") { request, context in
            let name = request.parameters["name"] ?? ""
            guard !name.isEmpty, name.count <= 64 else { throw HTTPError.badRequest("name must have 1 to 64 characters") }
            let rows = try await context.database.query(
                "INSERT INTO greetings (name, count) VALUES ($1, 1) ON CONFLICT(name) DO UPDATE SET count = greetings.count + 1 RETURNING count",
                [.text(name)]
            )
            let greeting = context.configuration.string("greeting") ?? "Hello"
            let punctuation = context.configuration.string("punctuation") ?? "!"
            let count = rows.first?["count"]?.integer ?? 1
            return .json(raw: Array("{\"count\":\(count),\"message\":\"\(escape(greeting)), \(escape(name))\(escape(punctuation))\"}".utf8))
        }
    }

    func configurationDidChange(_ configuration: AddonConfiguration, context: AddonContext) async {
        context.logger.info("greeting is now \(configuration.string("greeting") ?? "Hello")")
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(Greeter()) }
