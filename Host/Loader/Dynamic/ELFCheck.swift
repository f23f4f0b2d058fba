import Glibc

/// A cheap look at a file's ELF header, so a file that is not a shared object for this machine is
/// refused with a clear message before anything maps it.
enum ELFCheck {
    static func requireSharedObject(at path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LoaderError(.notSharedObject, "\(path) cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 64)
        let count = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        guard count == 64, header[0 ..< 4] == [0x7F, 0x45, 0x4C, 0x46] else {
            throw LoaderError(.notSharedObject, "\(path) is not an ELF file")
        }
        guard header[4] == 2 else {
            throw LoaderError(.notSharedObject, "\(path) is not a 64-bit ELF file")
        }
        let type = UInt16(header[16]) | UInt16(header[17]) << 8
        guard type == 3 else {
            throw LoaderError(.notSharedObject, "\(path) is an ELF file but not a shared object (e_type \(type))")
        }
        // A truncated library passes the header check but makes the dynamic loader fault while
        // mapping; compare the section header table's end with the file size.
        let sectionOffset = header[40 ..< 48].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let sectionSize = UInt64(UInt16(header[58]) | UInt16(header[59]) << 8)
        let sectionCount = UInt64(UInt16(header[60]) | UInt16(header[61]) << 8)
        var status = stat()
        guard fstat(fd, &status) == 0 else { return }
        let needed = sectionOffset + sectionSize * sectionCount
        if needed > UInt64(status.st_size) {
            throw LoaderError(.notSharedObject, "\(path) is truncated: its ELF header describes \(needed) bytes but the file has \(status.st_size)")
        }
    }
}
