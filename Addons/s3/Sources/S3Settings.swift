import PluginAPI
import ProviderKit

/// The addon's configuration turned into an ``S3Client``: a preset's endpoint or a custom URL,
/// the bucket, the credentials and the multipart sizes.
enum S3Settings {
    static func client(_ configuration: AddonConfiguration, http: any HTTPClient) throws -> S3Client {
        func text(_ key: String) -> String? {
            guard let value = configuration.string(key), !value.isEmpty else { return nil }
            return value
        }
        func invalid(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_configuration", message: "s3: \(message)") }
        let preset = text("preset") ?? "custom"
        let region = text("region") ?? "us-east-1"
        let endpoint: S3Endpoint
        do {
            if preset == "custom" {
                guard let url = text("endpoint") else { throw invalid("the custom preset needs 'endpoint' (e.g. https://s3.example.com)") }
                endpoint = try S3Endpoint.custom(url: url, region: region, pathStyle: configuration.bool("pathStyle") ?? true)
            } else {
                endpoint = try S3Endpoint.preset(preset, region: region, account: text("account"))
            }
        } catch let error as ProviderError {
            throw invalid(error.message)
        }
        guard let bucket = text("bucket") else { throw invalid("'bucket' is not set") }
        guard let accessKey = text("accessKeyId"), let secret = text("secretAccessKey") else {
            throw invalid("'accessKeyId' and 'secretAccessKey' must both be set")
        }
        return S3Client(
            endpoint: endpoint, bucket: bucket, credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret), http: http,
            multipartThreshold: (configuration.integer("multipartThresholdMB") ?? 16) << 20, partSize: (configuration.integer("partSizeMB") ?? 8) << 20,
            timeout: .seconds(configuration.integer("timeoutSeconds") ?? 30)
        )
    }
}
