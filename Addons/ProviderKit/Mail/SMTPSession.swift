/// One SMTP dialogue on a connection's queue (RFC 5321, 3207 STARTTLS, 4954 AUTH).
struct SMTPSession {
    let channel: SocketChannel
    let configuration: SMTPConfiguration

    /// A reply: its code and text lines.
    struct Reply {
        let code: Int
        let lines: [String]
        var text: String { lines.joined(separator: " / ") }
    }

    func read() throws -> Reply {
        var lines = [String]()
        while true {
            let line = String(decoding: try channel.readLine(), as: UTF8.self)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw ProviderError(.protocolViolation, "the SMTP server sent '\(line.prefix(80))'")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return Reply(code: code, lines: lines) }
        }
    }

    @discardableResult
    func command(_ line: String, expect: Set<Int>, _ what: String? = nil) throws -> Reply {
        try channel.write(line + "\r\n")
        return try expectReply(expect, what ?? String(line.prefix { $0 != " " && $0 != ":" }))
    }

    @discardableResult
    func expectReply(_ codes: Set<Int>, _ what: String) throws -> Reply {
        let reply = try read()
        guard codes.contains(reply.code) else {
            throw ProviderError(.refused, "the SMTP server at \(configuration.host):\(configuration.port) answered \(what) with \(reply.code) \(reply.text)")
        }
        return reply
    }

    /// Greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT; returns the server's queue answer.
    func deliver(from: String, to recipients: [String], data: [UInt8]) throws -> String {
        try expectReply([220], "the greeting")
        var capabilities = try ehlo()
        if configuration.security == .startTLS {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw ProviderError(.tlsFailed, "the SMTP server at \(configuration.host):\(configuration.port) does not offer STARTTLS")
            }
            try command("STARTTLS", expect: [220])
            try channel.startTLS(configuration.tls, host: configuration.host)
            capabilities = try ehlo()
        }
        if let username = configuration.username, let password = configuration.password {
            guard channel.isTLS else {
                throw ProviderError(.invalidConfiguration, "SMTP credentials are sent only over TLS (security is '\(configuration.security.rawValue)')")
            }
            let mechanisms = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").dropFirst().map(String.init) ?? []
            if mechanisms.contains("PLAIN") {
                let token = Digest.base64([0] + Array(username.utf8) + [0] + Array(password.utf8))
                try command("AUTH PLAIN \(token)", expect: [235], "AUTH PLAIN")
            } else if mechanisms.contains("LOGIN") {
                try command("AUTH LOGIN", expect: [334])
                try command(Digest.base64(Array(username.utf8)), expect: [334], "the AUTH LOGIN user name")
                try command(Digest.base64(Array(password.utf8)), expect: [235], "the AUTH LOGIN password")
            } else {
                throw ProviderError(.refused, "the SMTP server offers no AUTH mechanism this client speaks (offered: \(mechanisms.joined(separator: " ")))")
            }
        }
        try command("MAIL FROM:<\(from)>", expect: [250])
        for recipient in recipients { try command("RCPT TO:<\(recipient)>", expect: [250, 251], "RCPT TO:<\(recipient)>") }
        try command("DATA", expect: [354])
        try channel.write(data)
        let queued = try expectReply([250], "the message")
        _ = try? command("QUIT", expect: [221])
        return queued.text
    }

    /// EHLO, and the capability lines after the greeting line.
    func ehlo() throws -> [String] {
        Array(try command("EHLO \(configuration.heloName)", expect: [250]).lines.dropFirst())
    }
}
