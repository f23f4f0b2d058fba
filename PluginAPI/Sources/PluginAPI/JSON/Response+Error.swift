extension Response {
    /// The answer the host gives for a thrown ``HTTPError``: `{"error":{"code":…,"message":…}}`
    /// with the error's status, plus `headers`.
    ///
    /// Throw the error where you can. Return this instead where the answer needs more fields (a
    /// `429` with `Retry-After`, say) or the handler must commit its work before refusing. The host
    /// builds its own error answers with it too, so every error body has one shape.
    ///
    /// Added in PluginAPI 1.3.0.
    public static func error(_ error: HTTPError, headers: HTTPHeaders = [:]) -> Response {
        var json = "{\"error\":{\"code\":"
        appendJSONString(error.code, to: &json)
        json += ",\"message\":"
        appendJSONString(error.message, to: &json)
        json += "}}"
        var response = Response.json(raw: Array(json.utf8), status: error.status)
        for (name, value) in headers { response.headers.add(name: name, value: value) }
        return response
    }

    /// Appends `text` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters
    /// escaped, everything else as is.
    private static func appendJSONString(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
