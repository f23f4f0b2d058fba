import BerthTraffic
import Foundation
import PluginAPI
import Testing
@testable import BerthProviders

@Suite(.removesScratchFolders)
struct DevelopmentProvidersTests {
    @Test func consoleEmailAndSMSKeepTheirMessagesInABoundedInboxSharedThroughTheHome() async throws {
        let path = scratchFolder() + "/inbox.json"
        let email = ConsoleEmailSender(inbox: DevInbox(path: path, capacity: 3), logger: quietLogger)
        let sms = ConsoleSMSSender(inbox: DevInbox(path: path, capacity: 3), logger: quietLogger)
        for index in 0 ..< 3 { _ = try await email.send(EmailMessage(to: [EmailAddress("ada@example.com")], subject: "mail \(index)", text: "t")) }
        _ = try await sms.send(SMSMessage(to: "+4915112345678", body: "code 123456"))
        let other = DevInbox(path: path, capacity: 3) // another worker's view of the same file
        let messages = try other.messages()
        #expect(messages.map { $0.subject ?? $0.text ?? "" } == ["mail 1", "mail 2", "code 123456"], "the oldest went first")
        #expect(try other.messages(channel: "sms").count == 1)
        await #expect(throws: HTTPError.self) { _ = try await sms.send(SMSMessage(to: "015112345678", body: "x")) }
        #expect(try other.clear() == 3)
    }

    @Test func consoleVerificationCodesAreSingleUse() async throws {
        let inbox = DevInbox(path: scratchFolder() + "/inbox.json")
        let sms = ConsoleSMSSender(inbox: inbox, logger: quietLogger)
        _ = try await sms.sendVerificationCode(to: "+4915112345678", validity: .seconds(60))
        let text = try #require(try inbox.messages().last?.text)
        let code = String(text.suffix(6))
        #expect(try await sms.checkVerificationCode("000000" == code ? "111111" : "000000", for: "+4915112345678") == .rejected)
        #expect(try await sms.checkVerificationCode(code, for: "+4915112345678") == .approved)
        #expect(try await sms.checkVerificationCode(code, for: "+4915112345678") == .expired)
    }

    @Test func theMemoryCacheGetsSetsExpiresDeletesIncrementsAndGetsOrSets() async throws {
        let cache = MemoryCache(capacity: 10)
        try await cache.set("a", Array("1".utf8), ttl: nil)
        #expect(try await cache.get("a") == Array("1".utf8))
        #expect(try await cache.increment("a", by: 41, ttl: nil) == 42)
        #expect(try await cache.increment("fresh", by: -2, ttl: .seconds(60)) == -2)
        try await cache.set("short", [1], ttl: .milliseconds(1))
        let deadline = ContinuousClock.now + .seconds(5)
        while try await cache.get("short") != nil, ContinuousClock.now < deadline { await Task.yield() }
        #expect(try await cache.get("short") == nil, "an entry past its ttl is gone")
        #expect(try await cache.delete("a"))
        #expect(try await cache.delete("a") == false)
        let made = try await cache.getOrSet("g", ttl: nil) { [7] }
        let again = try await cache.getOrSet("g", ttl: nil) { [8] }
        #expect(made == [7] && again == [7])
        try await cache.set("text", Array("x".utf8), ttl: nil)
        await #expect(throws: HTTPError.self) { _ = try await cache.increment("text", by: 1, ttl: nil) }
        await #expect(throws: HTTPError.self) { try await cache.set("z", [], ttl: .zero) }
    }

    @Test func memoryRateLimitsHoldAcrossTwoMappingsOfTheTableAsTwoWorkersWouldHave() async throws {
        let path = scratchFolder() + "/rate.table"
        let one = MemoryRateLimiter(table: try RateWindowTable(path: path, slots: 1 << 10))
        let two = MemoryRateLimiter(table: try RateWindowTable(path: path, slots: 1 << 10))
        var admitted = 0
        for index in 0 ..< 10 {
            let decision = try await (index % 2 == 0 ? one : two).hit("phone:+49151", limit: 3, window: .seconds(300))
            if decision.allowed { admitted += 1 }
        }
        #expect(admitted == 3, "3 per window in total, not 3 per worker")
        await #expect(throws: HTTPError.self) { _ = try await one.hit("k", limit: 3, window: .milliseconds(10)) }
    }

    @Test func localStorageStoresListsAndDeletesObjects() async throws {
        let storage = LocalObjectStorage(root: scratchFolder(), signer: PresignedURLSigner(key: Array(repeating: 7, count: 32)), baseURL: "http://127.0.0.1:1")
        _ = try await storage.put("app/a.txt", Array("A".utf8), contentType: "text/plain")
        _ = try await storage.put("app/b/c.txt", Array("CC".utf8), contentType: nil)
        #expect(try await storage.get("app/a.txt") == Array("A".utf8))
        #expect(try await storage.head("app/a.txt")?.contentType == "text/plain")
        #expect(try await storage.list(prefix: "app/").map(\.key) == ["app/a.txt", "app/b/c.txt"])
        #expect(try await storage.delete("app/a.txt"))
        #expect(try await storage.get("app/a.txt") == nil)
        await #expect(throws: HTTPError.self) { _ = try await storage.get("app/../../etc/passwd") }
    }

    @Test func aPresignedSignatureIsRefusedWhenExpiredOrChanged() throws {
        let signer = PresignedURLSigner(key: Array(repeating: 1, count: 32))
        let signature = signer.signature(method: "GET", key: "app/a.txt", expires: 1000, contentType: nil)
        try signer.verify(method: "GET", key: "app/a.txt", expires: "1000", contentType: nil, signature: signature, now: 999)
        for (method, key, expires, now, code) in [
            ("GET", "app/a.txt", "1000", 1001, "presigned_url_expired"), ("GET", "app/b.txt", "1000", 999, "presigned_url_invalid"),
            ("PUT", "app/a.txt", "1000", 999, "presigned_url_invalid"), ("GET", "app/a.txt", "2000", 999, "presigned_url_invalid"),
        ] {
            #expect(throws: ProviderError.self) {
                do { try signer.verify(method: method, key: key, expires: expires, contentType: nil, signature: signature, now: now) } catch let error as ProviderError {
                    #expect(error.code == code, "\(method) \(key) \(expires)")
                    throw error
                }
            }
        }
        let other = PresignedURLSigner(key: Array(repeating: 2, count: 32))
        #expect(other.signature(method: "GET", key: "app/a.txt", expires: 1000, contentType: nil) != signature)
    }

    @Test func noPaymentsRefusesWithAnErrorThatSaysHowToChooseAProvider() async {
        do {
            _ = try await NoPayments().createCustomer(email: nil, name: nil, metadata: [:])
            Issue.record("none took a payment call")
        } catch let error as HTTPError {
            #expect(error.status == 503)
            #expect(error.message.contains("PAYMENT_PROVIDER"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
