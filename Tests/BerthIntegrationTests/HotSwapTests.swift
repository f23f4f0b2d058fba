import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Installing and uninstalling an addon never disturbs requests to other routes.
struct HotSwapTests {
    final class Tally: Sendable {
        let counts = Mutex((ok: 0, failed: 0, failures: [String]()))
        let running = Atomic<Bool>(true)
        let finished = Atomic<Int>(0)
    }

    @Test func otherRoutesKeepSucceedingWhileAnAddonIsInstalledAndUninstalledUnderLoad() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        #expect(try host.upload(try host.packages.packExample("ai_chatbot", product: "AIChatbot")).status == 201)

        let tally = Tally()
        let port = host.berth.port
        let workers = (0 ..< 3).map { worker in
            Thread {
                let client = HTTPTestClient(port: port)
                let path = worker == 0 ? "/health" : "/api/v1/greet/hello"
                while tally.running.load(ordering: .relaxed) {
                    let reply = try? client.send("GET", path, timeout: 10)
                    tally.counts.withLock { counts in
                        if reply?.status == 200 { counts.ok += 1 } else {
                            counts.failed += 1
                            counts.failures.append("\(path): \(reply.map { "\($0.status)" } ?? "no answer")")
                        }
                    }
                }
                tally.finished.wrappingAdd(1, ordering: .relaxed)
            }
        }
        workers.forEach { $0.start() }
        for _ in 0 ..< 5 {
            let installed = try host.install("ai_chatbot")
            #expect(installed.status == 201, "\(installed.text)")
            #expect(try host.berth.anonymous.send("GET", "/api/v1/chat/sessions").status == 200)
            let removed = try host.uninstall("ai_chatbot")
            #expect(removed.json["residue"] as? [String] == [])
        }
        tally.running.store(false, ordering: .relaxed)
        // Every thread ends its last request before the counts are read.
        try pollUntil("the load threads ended", timeout: 15) { tally.finished.load(ordering: .relaxed) == workers.count }
        let counts = tally.counts.withLock { $0 }
        #expect(counts.failed == 0, "\(counts.failures.prefix(5))")
        #expect(counts.ok > 50)
    }
}
