import PluginAPI
import Synchronization
import Testing

/// Levels are filtered before a message is built; metadata keeps its type; a request's logger
/// writes its request id on every line.
struct LoggerTests {
    @Test func aMessageBelowTheMinimumLevelIsNeverBuilt() {
        let handler = RecordingLogHandler(minimumLevel: .warning)
        let logger = Logger(label: "a", handler: handler)
        let built = Atomic<Int>(0)
        func expensive() -> String {
            built.wrappingAdd(1, ordering: .relaxed)
            return "expensive"
        }
        logger.debug(expensive())
        logger.info(expensive())
        #expect(built.load(ordering: .relaxed) == 0)
        logger.error(expensive())
        #expect(built.load(ordering: .relaxed) == 1)
        #expect(handler.entries.map(\.message) == ["expensive"])
    }

    @Test func metadataKeepsItsType() {
        let handler = RecordingLogHandler()
        Logger(label: "a", handler: handler).info("saved", metadata: ["rows": 3, "cached": true, "ratio": 0.5, "user": "ada"])
        #expect(handler.entries.first?.metadata == ["rows": .integer(3), "cached": .bool(true), "ratio": .double(0.5), "user": .string("ada")])
    }

    @Test func aRequestsLoggerWritesTheRequestIDOnEveryLine() {
        let handler = RecordingLogHandler()
        let context = RequestContext(requestID: "abc-123", deadline: .now, addon: .standIn("notes", handler: handler))
        context.logger.info("one")
        context.logger.warning("two", metadata: ["step": 2])
        #expect(handler.entries.count == 2)
        #expect(handler.entries.allSatisfy { $0.metadata["request_id"] == .string("abc-123") && $0.label == "notes" })
        #expect(handler.entries[1].metadata["step"] == .integer(2))
    }

    @Test func textMetadataOfPluginAPI1StillLogs() {
        let handler = RecordingLogHandler()
        let text: [String: String] = ["k": "v"]
        Logger(label: "a", handler: handler).info("old style", metadata: text)
        #expect(handler.entries.first?.metadata == ["k": .string("v")])
    }

    @Test func aHandlerWrittenForPluginAPI1GetsTextMetadata() {
        final class OldHandler: LogHandler, Sendable {
            let seen = Mutex<[String: String]>([:])
            func log(level: LogLevel, message: String, metadata: [String: String], label: String) { seen.withLock { $0 = metadata } }
        }
        let handler = OldHandler()
        Logger(label: "a", handler: handler).info("x", metadata: ["n": 7])
        #expect(handler.seen.withLock { $0 } == ["n": "7"])
    }
}
