import Foundation
import PluginAPI
import Testing
@testable import BerthCore

struct AddonLogFileTests {
    static func home() throws -> BerthHome {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return try BerthHome(root: root)
    }

    @Test func aSensitiveConfigurationValueNeverReachesTheAddonsLog() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: home.root) }
        let file = AddonLogFile(home: home, id: "shop")
        let logger = Logger(label: "shop", handler: AddonLogHandler(file: file, secrets: { ["sk_live_123"] }))
        logger.with(["request_id": "r-1", "route": "/api/v1/shop/pay"]).error("charging with sk_live_123 failed", metadata: ["key": "sk_live_123", "attempt": 2])

        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(!text.contains("sk_live_123"))
        let line = try #require(file.lines().first)
        #expect(line.message == "charging with [redacted] failed")
        #expect(line.metadata["key"] == .string("[redacted]"))
        #expect(line.metadata["attempt"] == .number(2), "typed metadata stays a number")
        #expect(line.requestID == "r-1")
        #expect(line.route == "/api/v1/shop/pay")
        #expect(line.level == "error")
        #expect(line.worker == getpid())
    }

    @Test func theLogRotatesPastItsSizeAndKeepsOneOlderFile() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: home.root) }
        let file = AddonLogFile(home: home, id: "chatty", maximumBytes: 4096)
        let logger = Logger(label: "chatty", handler: AddonLogHandler(file: file))
        for index in 0 ..< 200 { logger.info("line \(index) " + String(repeating: "x", count: 100)) }

        let live = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        let older = try FileManager.default.attributesOfItem(atPath: file.path + ".1")[.size] as? Int ?? 0
        #expect(live <= 4096 + 400 && older <= 4096 + 400, "each file stays near the limit: \(live), \(older)")
        let kept = file.lines(limit: 1000)
        #expect(kept.last?.message.hasPrefix("line 199 ") == true, "the newest line is kept")
        #expect(kept.count < 200, "the oldest lines were rotated away")
        #expect(kept.map(\.timestamp) == kept.map(\.timestamp).sorted())
    }

    @Test func linesAreFilteredByLevelTimeAndRequest() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(atPath: home.root) }
        let file = AddonLogFile(home: home, id: "shop")
        let logger = Logger(label: "shop", handler: AddonLogHandler(file: file, minimumLevel: .debug))
        logger.debug("debug line")
        logger.with(["request_id": "a"]).info("info a")
        logger.with(["request_id": "b"]).warning("warning b")
        logger.with(["request_id": "a"]).error("error a")

        #expect(file.lines().count == 4)
        #expect(file.lines(level: .warning).map(\.message) == ["warning b", "error a"])
        #expect(file.lines(requestID: "a").map(\.message) == ["info a", "error a"])
        #expect(file.lines(limit: 1).map(\.message) == ["error a"])
        let second = file.lines()[1].timestamp
        #expect(file.lines(since: second).map(\.message) == ["warning b", "error a"])
    }
}
