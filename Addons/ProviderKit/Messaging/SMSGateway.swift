import PluginAPI

/// SMS over the HTTP APIs of Twilio, Vonage, MessageBird and Amazon SNS: builds each provider's
/// documented request and reads its answer's message id.
public struct SMSGateway: Sendable {
    /// A provider and its credentials (sensitive configuration).
    public enum Provider: Sendable, Hashable {
        /// Twilio's Messages resource: Basic auth with the account SID and auth token.
        case twilio(accountSID: String, authToken: String)
        /// Vonage's SMS API: key and secret in the form.
        case vonage(apiKey: String, apiSecret: String)
        /// MessageBird's messages endpoint: `Authorization: AccessKey …`.
        case messageBird(accessKey: String)
        /// SNS `Publish` to a phone number, signed with SigV4 for service `sns`.
        case sns(credentials: AWSCredentials, region: String)
    }

    /// The provider.
    public let provider: Provider
    /// The sender (a number, alphanumeric id or Twilio messaging service SID `MG…`) when a message has none.
    public let defaultSender: String?
    /// The API's base URL, or `nil` for the provider's own (tests point it at a local server).
    public let baseURL: String?
    /// Longest one request may take.
    public let timeout: Duration
    let http: any HTTPClient
    let clock: @Sendable () -> AWSTimestamp

    /// Creates a gateway.
    public init(provider: Provider, defaultSender: String? = nil, http: any HTTPClient, baseURL: String? = nil, timeout: Duration = .seconds(15), clock: @escaping @Sendable () -> AWSTimestamp = { .now() }) {
        self.provider = provider
        self.defaultSender = defaultSender
        self.http = http
        self.baseURL = baseURL
        self.timeout = timeout
        self.clock = clock
    }

    /// The provider's short name.
    public var name: String {
        switch provider {
        case .twilio: "twilio"
        case .vonage: "vonage"
        case .messageBird: "messagebird"
        case .sns: "sns"
        }
    }

    /// The documented request that sends `message`.
    public func request(_ message: SMSMessage) throws -> OutgoingRequest {
        let sender = message.sender ?? defaultSender
        var headers = HTTPHeaders()
        switch provider {
        case .twilio(let sid, let token):
            guard let sender else { throw ProviderError(.invalidConfiguration, "Twilio needs a sender number or messaging service SID") }
            var form = FormBody()
            form.add("To", message.to)
            form.add(sender.hasPrefix("MG") ? "MessagingServiceSid" : "From", sender)
            form.add("Body", message.body)
            headers.add(name: "Authorization", value: "Basic " + Digest.base64(Array("\(sid):\(token)".utf8)))
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            return OutgoingRequest(method: .post, url: (baseURL ?? "https://api.twilio.com") + "/2010-04-01/Accounts/\(PercentEncoding.encode(sid))/Messages.json", headers: headers, body: Array(form.encoded.utf8))
        case .vonage(let key, let secret):
            guard let sender else { throw ProviderError(.invalidConfiguration, "Vonage needs a sender (from)") }
            var form = FormBody()
            form.add("api_key", key)
            form.add("api_secret", secret)
            form.add("from", sender)
            form.add("to", message.to.hasPrefix("+") ? String(message.to.dropFirst()) : message.to)
            form.add("text", message.body)
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            return OutgoingRequest(method: .post, url: (baseURL ?? "https://rest.nexmo.com") + "/sms/json", headers: headers, body: Array(form.encoded.utf8))
        case .messageBird(let key):
            guard let sender else { throw ProviderError(.invalidConfiguration, "MessageBird needs an originator") }
            headers.add(name: "Authorization", value: "AccessKey \(key)")
            headers.add(name: "Content-Type", value: "application/json")
            let body = JSONValue.object(["originator": .string(sender), "recipients": .array([.string(message.to)]), "body": .string(message.body)])
            return OutgoingRequest(method: .post, url: (baseURL ?? "https://rest.messagebird.com") + "/messages", headers: headers, body: HTTPCall.json(body))
        case .sns(let credentials, let region):
            var form = FormBody()
            form.add("Action", "Publish")
            form.add("Message", message.body)
            form.add("PhoneNumber", message.to)
            form.add("Version", "2010-03-31")
            let body = Array(form.encoded.utf8)
            let url = baseURL ?? "https://sns.\(region).amazonaws.com"
            let host = String(url.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true).dropFirst().first ?? "")
            let signer = SigV4Signer(credentials: credentials, region: region, service: "sns")
            let signed = signer.signHeaders(method: "POST", path: "/", query: [], headers: [("host", host), ("content-type", "application/x-www-form-urlencoded")], payloadHash: Digest.hex(Digest.sha256(body)), at: clock())
            for (name, value) in signed where name.lowercased() != "host" { headers.add(name: name, value: value) }
            return OutgoingRequest(method: .post, url: url + "/", headers: headers, body: body)
        }
    }

    /// Sends `message` and returns the provider's message id.
    public func send(_ message: SMSMessage) async throws -> SMSReceipt {
        let response = try await HTTPCall.send(try request(message), through: http, timeout: timeout, provider: name)
        let id: String?
        switch provider {
        case .twilio: id = try HTTPCall.object(response.body, name)["sid"]?.stringValue
        case .messageBird: id = try HTTPCall.object(response.body, name)["id"]?.stringValue
        case .vonage:
            // Vonage answers 200 with a per-message status; "0" is success.
            guard case .array(let messages)? = try HTTPCall.object(response.body, name)["messages"], let first = messages.first else {
                throw ProviderError(.protocolViolation, "Vonage answered without messages")
            }
            guard first["status"]?.stringValue == "0" else {
                throw ProviderError(.refused, "Vonage refused the message: status \(first["status"]?.stringValue ?? "?") \(first["error-text"]?.stringValue ?? "")")
            }
            id = first["message-id"]?.stringValue
        case .sns: id = XMLFields.first("MessageId", in: Substring(String(decoding: response.body, as: UTF8.self)))
        }
        guard let id else { throw ProviderError(.protocolViolation, "\(name) answered without a message id") }
        return SMSReceipt(messageID: id, provider: name)
    }
}
