import COpenSSL

/// In-memory OpenSSL `BIO`s for PEM encoding, each freed before its helper returns.
enum MemoryBIO {
    /// Runs `body` on a read-only BIO over `bytes`; the BIO borrows the bytes, so it never outlives
    /// the `withUnsafeBufferPointer` scope.
    static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBufferPointer { buffer -> T? in
            guard buffer.count <= Int(Int32.max), let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
                return nil
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Runs `body` on an empty writable BIO and returns everything it wrote.
    static func writing(what: String, _ body: (OpaquePointer) -> Int32) throws(PackageError) -> [UInt8] {
        let make = OpenSSLCall.internalError
        let bio = try OpenSSLCall.require(BIO_new(BIO_s_mem()), "BIO_new", makeError: make)
        defer { BIO_free(bio) }
        try OpenSSLCall.check(body(bio), what, makeError: make)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<Int(count)])
        }
        return output
    }
}
