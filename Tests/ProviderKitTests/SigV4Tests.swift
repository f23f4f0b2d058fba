import ProviderKit
import Testing

/// AWS's published Signature Version 4 examples for S3 (the "GET Object" header example and the
/// presigned-URL example of "Authenticating Requests: Using Query Parameters").
struct SigV4Tests {
    let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1")
    let time = AWSTimestamp(secondsSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test func theTimestampFormatsAsAWSWantsIt() {
        #expect(time.amzDate == "20130524T000000Z")
        #expect(AWSTimestamp(secondsSince1970: 1_709_251_199).amzDate == "20240229T235959Z")
    }

    @Test func theGetObjectExampleSignsToAWSsPublishedSignature() {
        let headers = [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")]
        let signed = signer.signHeaders(method: "GET", path: "/test.txt", query: [], headers: headers, payloadHash: SigV4Signer.emptyPayloadHash, at: time)
        let authorization = signed.first { $0.0 == "Authorization" }?.1
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func thePresignedURLExampleMatchesAWSsPublishedURL() {
        let url = signer.presign(method: "GET", scheme: "https", path: "/test.txt", headers: [("host", "examplebucket.s3.amazonaws.com")], expires: 86_400, at: time)
        #expect(url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func aChangedHeaderChangesTheSignature() {
        let a = signer.signHeaders(method: "GET", path: "/test.txt", query: [], headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9")], payloadHash: SigV4Signer.emptyPayloadHash, at: time)
        let b = signer.signHeaders(method: "GET", path: "/test.txt", query: [], headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-10")], payloadHash: SigV4Signer.emptyPayloadHash, at: time)
        #expect(a.last?.1 != b.last?.1)
    }

    @Test func theQueryIsEncodedAndSortedInTheCanonicalRequest() {
        let canonical = signer.canonicalRequest(method: "GET", path: "/", query: [("prefix", "a b/c"), ("list-type", "2")], headers: [("Host", "h")], payloadHash: "x")
        #expect(canonical.split(separator: "\n", omittingEmptySubsequences: false)[2] == "list-type=2&prefix=a%20b%2Fc")
    }

    @Test func presetsAddressBucketsAsEachServiceExpects() throws {
        #expect(S3Endpoint.aws(region: "eu-west-1").host == "s3.eu-west-1.amazonaws.com")
        #expect(try S3Endpoint.preset("r2", region: "auto", account: "abc").host == "abc.r2.cloudflarestorage.com")
        #expect(try S3Endpoint.preset("supabase", region: "eu-central-1", account: "ref").basePath == "/storage/v1/s3")
        #expect(try S3Endpoint.preset("gcs", region: "auto").host == "storage.googleapis.com")
        #expect(try S3Endpoint.preset("b2", region: "us-west-004").host == "s3.us-west-004.backblazeb2.com")
        #expect(try S3Endpoint.preset("spaces", region: "nyc3").host == "nyc3.digitaloceanspaces.com")
        #expect(throws: ProviderError.self) { try S3Endpoint.preset("dropbox", region: "x") }
    }
}
