import PluginAPI

extension S3Client {
    /// Signs and sends one request for `key` (empty: the bucket itself), within ``timeout``.
    func send(_ method: String, key: String, query: [(String, String)] = [], headers: [(String, String)] = [], body: [UInt8] = []) async throws -> Response {
        let (host, path) = endpoint.location(bucket: bucket, key: key)
        var headers = headers
        // The host's client (libcurl) labels an unlabelled body as a form, which servers then parse
        // as one (and S3 would store as the object's type).
        if !body.isEmpty, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            headers.append(("content-type", "application/octet-stream"))
        }
        let payloadHash = Digest.hex(Digest.sha256(body))
        let signed = signer.signHeaders(method: method, path: path.isEmpty ? "/" : path, query: query, headers: [("host", host)] + headers, payloadHash: payloadHash, at: clock())
        var fields = HTTPHeaders()
        // curl sets Host from the URL; sending it twice would be refused.
        for (name, value) in signed where name.lowercased() != "host" { fields.add(name: name, value: value) }
        let queryString = query.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        let url = "\(endpoint.scheme)://\(host)\(path.isEmpty ? "/" : path)" + (queryString.isEmpty ? "" : "?\(queryString)")
        let request = OutgoingRequest(method: HTTPMethod(rawValue: method), url: url, headers: fields, body: body)
        let client = http
        do {
            return try await withDeadline(timeout, "\(method) \(url)") { try await client.send(request) }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.connectionFailed, "\(method) \(url) failed: \(error)", cause: error)
        }
    }

    /// Throws the service's error code and message unless the status is one of `accepted`.
    func expect(_ response: Response, _ accepted: Set<Int>, _ what: String) throws {
        guard !accepted.contains(response.status) else { return }
        let xml = Substring(String(decoding: response.body.prefix(4096), as: UTF8.self))
        let code = XMLFields.first("Code", in: xml) ?? "HTTP \(response.status)"
        let message = XMLFields.first("Message", in: xml) ?? ""
        throw ProviderError(.refused, "storage refused \(what) in bucket \(bucket): \(code) \(message) (status \(response.status))")
    }

    /// CreateMultipartUpload, one UploadPart per ``partSize`` bytes, CompleteMultipartUpload;
    /// a failure aborts the upload so no parts are left billed.
    func putMultipart(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject {
        var headers: [(String, String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        let created = try await send("POST", key: key, query: [("uploads", "")], headers: headers)
        try expect(created, [200], "starting the multipart upload of \(key)")
        guard let uploadID = XMLFields.first("UploadId", in: Substring(String(decoding: created.body, as: UTF8.self))) else {
            throw ProviderError(.protocolViolation, "the storage service started a multipart upload of \(key) without an UploadId")
        }
        do {
            var etags = [String]()
            var offset = 0
            while offset < data.count {
                let end = min(offset + partSize, data.count)
                let part = try await send("PUT", key: key, query: [("partNumber", String(etags.count + 1)), ("uploadId", uploadID)], body: Array(data[offset..<end]))
                try expect(part, [200], "part \(etags.count + 1) of \(key)")
                guard let etag = part.headers["ETag"] else {
                    throw ProviderError(.protocolViolation, "part \(etags.count + 1) of \(key) was stored without an ETag")
                }
                etags.append(etag)
                offset = end
            }
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(XMLFields.escape($0.element))</ETag></Part>" }.joined()
            let body = Array("<CompleteMultipartUpload>\(parts)</CompleteMultipartUpload>".utf8)
            let completed = try await send("POST", key: key, query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")], body: body)
            try expect(completed, [200], "completing the multipart upload of \(key)")
            // S3 may answer 200 with an error document when completion fails late.
            let answer = Substring(String(decoding: completed.body, as: UTF8.self))
            if answer.contains("<Error>") {
                throw ProviderError(.refused, "completing the multipart upload of \(key): \(XMLFields.first("Code", in: answer) ?? "") \(XMLFields.first("Message", in: answer) ?? "")")
            }
            return StoredObject(key: key, size: data.count, contentType: contentType, etag: XMLFields.first("ETag", in: answer))
        } catch {
            _ = try? await send("DELETE", key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }
}
