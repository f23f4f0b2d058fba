import BerthTestSupport
import Foundation
import Testing

/// The `s3` provider addon through the real binary against the suite's moto S3 server: an addon's
/// objects land in the bucket under its own prefix (a large one in parts), a presigned URL the
/// addon hands out is accepted by the S3 server itself, and the addon leaves nothing behind.
@Suite(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
struct S3ProviderAddonTests {
    @Test func withStorageProviderS3AnAddonsObjectsGoToTheRealS3ServerInPartsWhenLargeAndPresignedURLsWork() throws {
        let s3Port = try ProviderAddons.port(of: "BERTH_TEST_S3_URL")
        let s3 = HTTPTestClient(port: s3Port)
        let bucket = "berth-addon-\(UUID().uuidString.prefix(8).lowercased())"
        #expect(try s3.send("PUT", "/\(bucket)").status == 200, "moto creates the bucket")

        let host = try IntegrationHost()
        defer { host.close() }
        try ProviderAddons.install("s3", product: "S3Provider", extraPermissions: ["network:127.0.0.1:\(s3Port)"], config: [
            "preset": "custom", "endpoint": try ProviderAddons.server("BERTH_TEST_S3_URL"), "bucket": bucket, "region": "us-east-1",
            "accessKeyId": "AKIDBERTHTEST", "secretAccessKey": "berth-test-secret", "multipartThresholdMB": 5, "partSizeMB": 5,
        ], in: host)
        try ProviderAddons.installSlotsFixture(host, permissions: ["storage"], uploadLimit: 8 << 20)
        let switched = try host.berth.admin.sendJSON("PUT", "/api/v1/providers/storage", ["provider": "s3"])
        #expect(switched.status == 200, "\(switched.text)")

        let client = host.berth.anonymous
        let stored = try client.send("PUT", "/api/v1/slots/objects/report.txt", body: Array("quarterly figures".utf8), headers: ["Content-Type": "text/plain"])
        #expect(stored.status == 200, "\(stored.text)")
        #expect(try client.send("GET", "/api/v1/slots/objects/report.txt").text == "quarterly figures")

        // Larger than the 5 MiB threshold: uploaded in parts, read back whole.
        let large = (0..<(6 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let bigPut = try client.send("PUT", "/api/v1/slots/objects/large.bin", body: large, headers: ["Content-Type": "application/octet-stream"], timeout: 60)
        #expect(bigPut.status == 200, "\(bigPut.status) \(bigPut.text.prefix(300))")
        let bigGet = try client.send("GET", "/api/v1/slots/objects/large.bin", timeout: 60)
        // Compared by size and hash: a failing `==` on 6 MiB arrays would have the test library diff them.
        #expect(bigGet.status == 200 && bigGet.body.count == large.count, "\(bigGet.status) \(bigGet.body.count) bytes: \(bigGet.text.prefix(300))")
        #expect(bigGet.body.hashValue == large.hashValue, "the bytes read back are the bytes stored")
        let head = try s3.send("HEAD", "/\(bucket)/slots/large.bin")
        #expect(head.headers["etag"]?.contains("-2") == true, "a multipart object's ETag ends in -<parts>: \(head.headers)")

        let presigned = try client.send("GET", "/api/v1/slots/presign/report.txt")
        let url = try #require(URLComponents(string: presigned.json["url"] as? String ?? ""), "\(presigned.text)")
        #expect(url.port == s3Port, "the URL points at the S3 server, not at the host: \(presigned.text)")
        #expect(url.path == "/\(bucket)/slots/report.txt", "the object is in the real bucket, under the calling addon's prefix")
        let fetched = try s3.send("GET", url.percentEncodedPath + "?" + (url.percentEncodedQuery ?? ""))
        #expect(fetched.status == 200, "\(fetched.text)")
        #expect(fetched.text == "quarterly figures")

        #expect(try host.uninstall("s3").errorCode == "provider_in_use")
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/storage", ["provider": "local"]).status == 200)
        for id in ["s3", "slots"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
    }
}
