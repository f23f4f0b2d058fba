/// Reads files that must be small (manifests, signatures, PEM keys) with a hard size cap, so a
/// hostile or mistaken file cannot make the host allocate without bound.
enum SmallFile {
    /// The whole file, `nil` if it is larger than `limit`, or `io_error` if it cannot be read.
    static func read(_ path: String, limit: Int) throws(PackageError) -> [UInt8]? {
        let file = try FileDescriptor.openForReading(path)
        // One spare byte tells "exactly at the limit" from "over it" without reading further.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limit + 1, alignment: 1)
        defer { buffer.deallocate() }
        var count = 0
        while count <= limit {
            let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]), path: path)
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { return nil }
        return Array(buffer[0..<count])
    }
}
