import BerthTestSupport
import Foundation
import Testing

/// Package uploads are admitted from their header fields before any body byte is stored: an
/// anonymous one is refused at once, their number is bounded, and none may eat the disk's reserve.
struct UploadAdmissionTests {
    static func uploadHead(port: Int, length: Int, token: String?) -> String {
        var head = "POST /api/v1/marketplace/packages HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(length)\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        return head + "\r\n"
    }

    static func spooledBytes(_ home: String) -> Int {
        let folder = home + "/.berth/spool"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    @Test func anAnonymousUploadIsRefusedBeforeItsBodyIsRead() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let socket = try RawSocket(port: host.berth.port)
        #expect(socket.send(Self.uploadHead(port: host.berth.port, length: 50 << 20, token: nil)))
        socket.send([UInt8](repeating: 0x42, count: 256 << 10))
        let (bytes, closed) = socket.readAll()
        #expect(RawSocket.statuses(in: bytes) == [401], "\(String(decoding: bytes.prefix(300), as: UTF8.self))")
        #expect(closed, "the connection ends instead of waiting for the rest of the body")
        #expect(Self.spooledBytes(host.home) == 0)
    }

    @Test func anAnonymousBodyForAnyAdminEndpointIsRefusedBeforeItIsRead() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let socket = try RawSocket(port: host.berth.port)
        socket.send("POST /api/v1/marketplace/install HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n{")
        let (bytes, closed) = socket.readAll()
        #expect(RawSocket.statuses(in: bytes) == [401])
        #expect(closed)
    }

    @Test func anUploadThatWouldEatTheDiskReserveIsRefusedWith507() throws {
        let host = try IntegrationHost(environment: ["BERTH_MIN_FREE_MB": "900000000"])
        defer { host.close() }
        let reply = try host.berth.admin.send("POST", "/api/v1/marketplace/packages", body: [UInt8](repeating: 7, count: 100_000))
        #expect(reply.status == 507)
        #expect(reply.errorCode == "insufficient_storage")
        #expect(reply.text.contains("MiB"), "\(reply.text)")
        #expect(Self.spooledBytes(host.home) == 0)
    }

    @Test func concurrentUploadsAreBoundedAndASlotFreesWhenAnUploadEnds() throws {
        let host = try IntegrationHost(environment: ["BERTH_MAX_CONCURRENT_UPLOADS": "1"])
        defer { host.close() }
        let port = host.berth.port
        var holder: RawSocket? = try RawSocket(port: port)
        holder?.send(Self.uploadHead(port: port, length: 10 << 20, token: host.berth.token))
        holder?.send([UInt8](repeating: 1, count: 4096))
        // The held upload has its slot once its first bytes are spooled.
        let deadline = Date().addingTimeInterval(10)
        while Self.spooledBytes(host.home) == 0 && Date() < deadline { usleep(10_000) }
        let refused = try host.berth.admin.send("POST", "/api/v1/marketplace/packages", body: [1, 2, 3])
        #expect(refused.status == 503)
        #expect(refused.errorCode == "too_many_uploads")
        #expect(refused.headers["retry-after"] != nil)
        holder = nil
        var status = 0
        while Date() < deadline {
            status = try host.berth.admin.send("POST", "/api/v1/marketplace/packages", body: [1, 2, 3]).status
            if status != 503 { break }
            usleep(10_000)
        }
        #expect(status == 422 || status == 400, "once the held upload is gone, the next one is examined (got \(status))")
    }
}
