import CCurl
import PluginAPI

/// One synchronous libcurl transfer; run on a dispatch thread, never on a Swift concurrency one.
enum CurlTransfer {
    /// Collects the response as libcurl delivers it.
    final class Sink {
        var body: [UInt8] = []
        var headers = HTTPHeaders()
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    static func perform(_ request: OutgoingRequest, timeoutMilliseconds: Int, maxResponseBytes: Int) throws(CurlError) -> Response {
        _ = initialized
        guard let handle = curl_easy_init() else {
            throw CurlError.notAllowed("libcurl could not create a handle")
        }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            headerList = curl_slist_append(headerList, "\(field.name): \(field.value)")
        }
        defer { curl_slist_free_all(headerList) }

        try CurlError.check(berth_curl_set_string(handle, CURLOPT_URL, request.url), "setting the URL")
        try CurlError.check(berth_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue), "setting the method")
        // Redirects could leave the allowed hosts, and only http(s) is ever spoken.
        try CurlError.check(berth_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0), "disabling redirects")
        try CurlError.check(berth_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "limiting protocols")
        try CurlError.check(berth_curl_set_long(handle, CURLOPT_NOSIGNAL, 1), "disabling signals")
        try CurlError.check(berth_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds), "setting the timeout")
        try CurlError.check(berth_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headerList), "setting headers")
        if request.method == .head {
            try CurlError.check(berth_curl_set_long(handle, CURLOPT_NOBODY, 1), "HEAD")
        }

        let sink = Sink(limit: maxResponseBytes)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        try CurlError.check(berth_curl_set_write_callback(handle, writeBody), "setting the body callback")
        try CurlError.check(berth_curl_set_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()), "setting the body sink")
        try CurlError.check(berth_curl_set_header_callback(handle, writeHeader), "setting the header callback")
        try CurlError.check(berth_curl_set_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque()), "setting the header sink")

        let status: CURLcode = request.body.withUnsafeBytes { body in
            if !request.body.isEmpty {
                _ = berth_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress))
                _ = berth_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            }
            return curl_easy_perform(handle)
        }
        try CurlError.check(status, "\(request.method) \(request.url)")
        var code = 0
        _ = berth_curl_response_code(handle, &code)
        return Response(status: code, headers: sink.headers, body: sink.body)
    }
}

private func writeBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<CurlTransfer.Sink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard sink.body.count + length <= sink.limit else { return 0 }
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func writeHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<CurlTransfer.Sink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if let colon = line.firstIndex(of: ":") {
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        sink.headers.add(name: String(line[..<colon]), value: value)
    }
    return length
}
