import Foundation
import PluginAPI
import ProviderKit
import Testing

/// The S3 client against moto's real S3-compatible server on loopback.
@Suite(.enabled(if: TestServers.available))
struct S3ClientTests {
    func client(bucket: String, threshold: Int = 16 << 20) async throws -> S3Client {
        let url = try TestServers.value("BERTH_TEST_S3_URL")
        let endpoint = try S3Endpoint.custom(url: url, region: "us-east-1")
        let client = S3Client(endpoint: endpoint, bucket: bucket, credentials: AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "secret"), http: TestServers.httpClient(for: url), multipartThreshold: threshold)
        let http = TestServers.httpClient(for: url)
        let created = try await http.send(OutgoingRequest(method: .put, url: "\(url)/\(bucket)"))
        #expect(created.status == 200)
        return client
    }

    @Test func putGetHeadListAndDeleteRoundTripThroughARealServer() async throws {
        let s3 = try await client(bucket: "berth-roundtrip")
        let body = Array("hello, storage".utf8)
        _ = try await s3.put("docs/a b.txt", body, contentType: "text/plain")
        _ = try await s3.put("docs/b.txt", [1, 2, 3], contentType: "application/octet-stream")
        _ = try await s3.put("other/c.txt", [4], contentType: nil)
        #expect(try await s3.get("docs/a b.txt") == body)
        let head = try #require(try await s3.head("docs/a b.txt"))
        #expect(head.size == body.count)
        #expect(head.contentType == "text/plain")
        #expect(try await s3.list(prefix: "docs/").map(\.key) == ["docs/a b.txt", "docs/b.txt"])
        #expect(try await s3.delete("docs/b.txt"))
        #expect(try await s3.delete("docs/b.txt") == false)
        #expect(try await s3.get("docs/b.txt") == nil)
        #expect(try await s3.head("docs/b.txt") == nil)
    }

    @Test func aLargeObjectGoesUpInPartsAndComesBackWhole() async throws {
        let s3 = try await client(bucket: "berth-multipart", threshold: 6 << 20)
        let data = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let stored = try await s3.put("big.bin", data, contentType: "application/octet-stream")
        // A multipart ETag is the digest of the parts' digests followed by the part count.
        #expect(stored.etag?.contains("-2") == true)
        #expect(try await s3.get("big.bin") == data)
    }

    @Test func presignedURLsReadAndWriteWithoutCredentials() async throws {
        let s3 = try await client(bucket: "berth-presign")
        let url = try TestServers.value("BERTH_TEST_S3_URL")
        let http = TestServers.httpClient(for: url)
        let put = try await s3.presignedPutURL("up/photo.png", contentType: "image/png", expiry: .seconds(300))
        #expect(put.url.contains("X-Amz-Signature="))
        #expect(put.headers["Content-Type"] == "image/png")
        let uploaded = try await http.send(OutgoingRequest(method: .put, url: put.url, headers: put.headers, body: [9, 8, 7]))
        #expect(uploaded.status == 200)
        let get = try await s3.presignedGetURL("up/photo.png", expiry: .seconds(300))
        let downloaded = try await http.send(OutgoingRequest(method: .get, url: get.url))
        #expect(downloaded.status == 200)
        #expect(downloaded.body == [9, 8, 7])
        #expect(try await s3.head("up/photo.png")?.contentType == "image/png")
    }

    @Test func aMissingBucketIsAClearError() async throws {
        let url = try TestServers.value("BERTH_TEST_S3_URL")
        let s3 = S3Client(endpoint: try S3Endpoint.custom(url: url, region: "us-east-1"), bucket: "no-such-bucket", credentials: AWSCredentials(accessKeyID: "a", secretAccessKey: "b"), http: TestServers.httpClient(for: url))
        let error = await #expect(throws: ProviderError.self) { _ = try await s3.put("k", [1], contentType: nil) }
        #expect(error?.message.contains("NoSuchBucket") == true)
        #expect(error?.status == 502)
    }
}
