import BerthHTTP
import PluginAPI
import Testing

/// The routing table on its own: matching, precedence, conflicts and ownership.
struct RoutingTableTests {
    private func table(_ build: (inout RoutingTable) throws -> Void) throws -> RoutingTable {
        var table = RoutingTable()
        try build(&table)
        return table
    }

    private func parameters(_ match: RouteMatch) -> [String: String]? {
        if case .found(_, let parameters) = match { return parameters }
        return nil
    }

    @Test func namedSegmentsAreCapturedAsParameters() throws {
        let table = try table { try $0.add(.get, "/api/v1/chat/sessions/:id/messages/:message", owner: "chat", handler: immediate("")) }
        #expect(parameters(table.match(.get, "/api/v1/chat/sessions/42/messages/7")) == ["id": "42", "message": "7"])
        #expect(parameters(table.match(.get, "/api/v1/chat/sessions/42")) == nil)
    }

    @Test func anExactSegmentWinsOverAParameterWhichWinsOverAWildcard() throws {
        let table = try table {
            try $0.add(.get, "/files/readme", owner: "exact", handler: immediate(""))
            try $0.add(.get, "/files/:name", owner: "parameter", handler: immediate(""))
            try $0.add(.get, "/files/*", owner: "wildcard", handler: immediate(""))
        }
        func owner(_ path: String) -> String? {
            if case .found(let endpoint, _) = table.match(.get, path) { return endpoint.owner }
            return nil
        }
        #expect(owner("/files/readme") == "exact")
        #expect(owner("/files/other") == "parameter")
        #expect(owner("/files/a/b") == "wildcard")
    }

    @Test func aTrailingWildcardCapturesTheRestOfThePath() throws {
        let table = try table { try $0.add(.get, "/static/*", owner: "assets", handler: immediate("")) }
        #expect(parameters(table.match(.get, "/static/css/site.css")) == ["*": "css/site.css"])
        #expect(parameters(table.match(.get, "/static")) == ["*": ""])
        #expect(parameters(table.match(.get, "/other/x")) == nil)
    }

    @Test func matchingBacktracksWhenAnExactBranchLeadsNowhere() throws {
        let table = try table {
            try $0.add(.get, "/a/b/c", owner: "exact", handler: immediate(""))
            try $0.add(.get, "/a/:x/d", owner: "parameter", handler: immediate(""))
        }
        #expect(parameters(table.match(.get, "/a/b/d")) == ["x": "b"])
    }

    @Test func anUnknownPathIsNotFoundAndAKnownPathWithAnotherMethodIsNotAllowed() throws {
        let table = try table {
            try $0.add(.get, "/items/:id", owner: "shop", handler: immediate(""))
            try $0.add(.delete, "/items/:id", owner: "shop", handler: immediate(""))
        }
        guard case .notFound = table.match(.get, "/nothing") else { Issue.record("expected notFound"); return }
        guard case .methodNotAllowed(let allowed) = table.match(.post, "/items/3") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == [.delete, .get, .head])
    }

    @Test func headFallsBackToTheGetRoute() throws {
        let table = try table { try $0.add(.get, "/hello", owner: "host", handler: immediate("")) }
        guard case .found(let endpoint, _) = table.match(.head, "/hello") else { Issue.record("expected found"); return }
        #expect(endpoint.method == .get)
    }

    @Test func registeringTheSameMethodAndShapeTwiceNamesTheOwnerThatHoldsIt() throws {
        var table = try table { try $0.add(.get, "/api/v1/chat/sessions/:id", owner: "ai_chatbot", handler: immediate("")) }
        let error = #expect(throws: RoutingError.self) {
            try table.add(.get, "/api/v1/chat/sessions/:session", owner: "intruder", handler: immediate(""))
        }
        #expect(error?.code == .conflict)
        #expect(error?.holder == "ai_chatbot")
        #expect(error?.message.contains("ai_chatbot") == true)
        // Another method on the same shape is no conflict.
        try table.add(.post, "/api/v1/chat/sessions/:id", owner: "ai_chatbot", handler: immediate(""))
    }

    @Test func malformedPatternsAreRefused() {
        var table = RoutingTable()
        for pattern in ["/a/*/b", "/a/:", "/a/:x/:x"] {
            let error = #expect(throws: RoutingError.self) { try table.add(.get, pattern, owner: "t", handler: immediate("")) }
            #expect(error?.code == .invalidPattern)
        }
    }

    @Test func removingAnOwnerRemovesOnlyItsRoutes() throws {
        var table = try table {
            try $0.add(.get, "/host/health", owner: "host", handler: immediate(""))
            try $0.add(.get, "/greeter/hello", owner: "greeter", handler: immediate(""))
        }
        #expect(table.owners == ["host", "greeter"])
        table.removeAll(owner: "greeter")
        #expect(table.owners == ["host"])
        guard case .notFound = table.match(.get, "/greeter/hello") else { Issue.record("expected notFound"); return }
        guard case .found = table.match(.get, "/host/health") else { Issue.record("expected found"); return }
    }
}
