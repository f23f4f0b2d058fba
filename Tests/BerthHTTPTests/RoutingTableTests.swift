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

    @Test func manyLiteralSiblingsAreEachFoundAndNearMissesAreNot() throws {
        let table = try table {
            for number in 1...120 { try $0.add(.get, "/bench/a\(1000 + number)/hello", owner: "a\(number)", handler: immediate("")) }
            try $0.add(.get, "/bench/a", owner: "short", handler: immediate(""))
            try $0.add(.get, "/bench/a10011", owner: "long", handler: immediate(""))
        }
        func owner(_ path: String) -> String? {
            if case .found(let endpoint, _) = table.match(.get, path) { return endpoint.owner }
            return nil
        }
        for number in 1...120 { #expect(owner("/bench/a\(1000 + number)/hello") == "a\(number)") }
        #expect(owner("/bench/a") == "short")
        #expect(owner("/bench/a10011") == "long")
        #expect(owner("/bench/a100") == nil)
        #expect(owner("/bench/a1001x/hello") == nil)
        #expect(owner("/bench/A1001/hello") == nil)
        #expect(owner("//bench//a1001//hello/") == "a1")
    }

    @Test func nonASCIISegmentsMatchLikeStringsDo() throws {
        // Swift compares strings by canonical equivalence: a decomposed é equals the precomposed
        // one, and U+212A KELVIN SIGN equals K. Lookups by bytes must not change that.
        let table = try table {
            try $0.add(.get, "/caf\u{E9}/:item", owner: "precomposed", handler: immediate(""))
            try $0.add(.get, "/\u{212A}elvin", owner: "kelvin", handler: immediate(""))
            try $0.add(.get, "/ascii", owner: "ascii", handler: immediate(""))
            try $0.add(.get, "/K/:unit", owner: "ascii-k", handler: immediate(""))
        }
        func owner(_ path: String) -> String? {
            if case .found(let endpoint, _) = table.match(.get, path) { return endpoint.owner }
            return nil
        }
        #expect(owner("/caf\u{E9}/1") == "precomposed")
        #expect(owner("/cafe\u{301}/1") == "precomposed")
        #expect(parameters(table.match(.get, "/cafe\u{301}/cr\u{E8}me")) == ["item": "cr\u{E8}me"])
        #expect(owner("/Kelvin") == "kelvin")
        #expect(owner("/\u{212A}elvin") == "kelvin")
        #expect(owner("/ascii") == "ascii")
        #expect(owner("/cafe") == nil)
        #expect(owner("/\u{212A}/1") == "ascii-k")
    }

    @Test func aLiteralRouteIsFoundHoweverThePathIsWrittenAndHeadStillPrefersItsOwnRoute() throws {
        let table = try table {
            try $0.add(.get, "/a/b", owner: "literal", handler: immediate(""))
            try $0.add(.get, "/a/:x", owner: "parameter", handler: immediate(""))
            try $0.add(.head, "/a/:x", owner: "head", handler: immediate(""))
            try $0.add(.get, "/", owner: "root", handler: immediate(""))
        }
        func owner(_ method: HTTPMethod, _ path: String) -> String? {
            if case .found(let endpoint, _) = table.match(method, path) { return endpoint.owner }
            return nil
        }
        for path in ["/a/b", "//a/b", "/a/b/", "/a//b"] { #expect(owner(.get, path) == "literal") }
        #expect(owner(.get, "/a/c") == "parameter")
        #expect(owner(.head, "/a/b") == "head")
        #expect(owner(.get, "/") == "root")
        #expect(owner(.head, "/") == "root")
        guard case .methodNotAllowed(let allowed) = table.match(.post, "/a/b") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == [.get, .head])
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
