import BerthHTTP
import PluginAPI
import Synchronization
import Testing

/// Handlers that finish inline and handlers that suspend, alone, over keep-alive and under
/// concurrency.
struct HandlerExecutionTests {
    private func startServer() throws -> HTTPServer {
        try TestServer.start { routes in
            try routes.add(.get, "/now", owner: "test", handler: immediate("now"))
            try routes.add(.get, "/later", owner: "test", handler: suspending("later"))
        }
    }

    @Test func aHandlerThatNeverSuspendsAnswers() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/now") }
        #expect(response.status == 200)
        #expect(response.text == "now")
        #expect(response.header("Content-Length") == "3")
    }

    @Test func aHandlerThatSuspendsAnswers() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/later") }
        #expect(response.status == 200)
        #expect(response.text == "later")
    }

    @Test func twoRequestsOnOneConnectionAreBothAnsweredWithoutConnectionClose() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let responses = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return try ["/now", "/now", "/later", "/later", "/now"].map { try connection.request($0) }
        }
        #expect(responses.map(\.text) == ["now", "now", "later", "later", "now"])
        for response in responses {
            #expect(response.status == 200)
            #expect(response.header("Connection")?.lowercased() != "close")
        }
    }

    @Test func twoHundredRequestsOverTwentyConcurrentConnectionsAllSucceed() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<20 {
                group.addTask {
                    try await onThread {
                        let connection = try RawHTTPConnection(port: port)
                        var correct = 0
                        for index in 0..<10 {
                            let path = (client + index).isMultiple(of: 2) ? "/now" : "/later"
                            let response = try connection.request(path)
                            if response.status == 200 && "/" + response.text == path { correct += 1 }
                        }
                        return correct
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(answered == 200)
    }

    @Test func aHandlerCompletingOnAnotherThreadRightAwayIsNotLost() async throws {
        // Completions racing the suspension: the handler hops off the MHD thread and returns at once,
        // so completion often lands between Task.immediate returning and the connection's suspension.
        let server = try TestServer.start { routes in
            try routes.add(.get, "/hop", owner: "test") { _, _ in
                await Task.yield()
                return .text("hop")
            }
        }
        defer { server.stop() }
        let port = server.port
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await onThread {
                        let connection = try RawHTTPConnection(port: port)
                        return try (0..<250).filter { _ in try connection.request("/hop").text == "hop" }.count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(answered == 1000)
    }
}
