import PluginAPI
import ProviderKit

/// Which gateways the configuration has credentials for, and the ``SMSGateway`` of each.
enum SMSGatewaySettings {
    /// The providers offered, in a fixed order.
    static let all = ["twilio", "vonage", "messagebird", "sns"]

    static func text(_ configuration: AddonConfiguration, _ key: String) -> String? {
        guard let value = configuration.string(key), !value.isEmpty else { return nil }
        return value
    }

    static func configuredProviders(_ configuration: AddonConfiguration) -> [String] {
        all.filter { (try? credentials($0, configuration)) != nil }
    }

    /// The credentials of `name`, or an error naming the missing keys.
    static func credentials(_ name: String, _ configuration: AddonConfiguration) throws -> SMSGateway.Provider {
        func both(_ first: String, _ second: String) throws -> (String, String) {
            guard let a = text(configuration, first), let b = text(configuration, second) else {
                throw HTTPError(status: 500, code: "invalid_configuration", message: "\(name): '\(first)' and '\(second)' must both be set")
            }
            return (a, b)
        }
        switch name {
        case "twilio":
            let (sid, token) = try both("twilioAccountSid", "twilioAuthToken")
            return .twilio(accountSID: sid, authToken: token)
        case "vonage":
            let (key, secret) = try both("vonageApiKey", "vonageApiSecret")
            return .vonage(apiKey: key, apiSecret: secret)
        case "messagebird":
            guard let key = text(configuration, "messagebirdAccessKey") else {
                throw HTTPError(status: 500, code: "invalid_configuration", message: "messagebird: 'messagebirdAccessKey' is not set")
            }
            return .messageBird(accessKey: key)
        default:
            let (key, secret) = try both("snsAccessKeyId", "snsSecretAccessKey")
            return .sns(credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret), region: text(configuration, "snsRegion") ?? "us-east-1")
        }
    }

    static func gateway(_ name: String, _ configuration: AddonConfiguration, http: any HTTPClient) throws -> SMSGateway {
        SMSGateway(
            provider: try credentials(name, configuration), defaultSender: text(configuration, "sender"), http: http,
            baseURL: text(configuration, "apiBase"), timeout: .seconds(configuration.integer("timeoutSeconds") ?? 15)
        )
    }
}
