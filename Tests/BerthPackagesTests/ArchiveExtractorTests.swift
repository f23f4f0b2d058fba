import BerthPackages
import Foundation
import Testing

/// Well-formed archives, limits, and input that is not an archive at all.
struct ArchiveExtractorTests {
    let temp: TemporaryDirectory
    init() throws { temp = try TemporaryDirectory() }

    private var output: String { temp.file("out/pkg") }

    private func archive(_ name: String, _ entries: [(path: String, contents: ArchiveContents)]) throws -> String {
        let path = temp.file(name)
        try ArchiveWriter.write(to: path, entries: entries)
        return path
    }

    private func expectRefusal(_ archive: String, _ code: String, limits: ArchiveExtractor.Limits = .init(), naming entry: String? = nil) {
        let error = #expect(throws: PackageError.self) {
            try ArchiveExtractor.extract(archive: archive, into: output, limits: limits)
        }
        #expect(error?.code == code, "\(String(describing: error))")
        if let entry { #expect(error?.message.contains(entry) == true, "\(String(describing: error))") }
        #expect(!FileManager.default.fileExists(atPath: output), "the extraction folder must be gone after a refusal")
    }

    @Test func filesComeOutWithTheirContentsSizesAndHashes() throws {
        let source = try temp.write("src.bin", (0..<200_000).map { UInt8(truncatingIfNeeded: $0) })
        let path = try archive("ok.berth", [
            ("a.txt", .bytes(Array("alpha".utf8))),
            ("lib/", .directory),
            ("lib/libX.so", .file(source)),
            ("deep/er/c.txt", .bytes([])),
        ])
        let files = try ArchiveExtractor.extract(archive: path, into: output, limits: .init())
        #expect(files.map(\.path) == ["a.txt", "lib/libX.so", "deep/er/c.txt"])
        #expect(files[1].size == 200_000)
        #expect(files[1].sha256 == (try SHA256Digest.hex(fileAt: source)))
        #expect(files[2].size == 0)
        #expect(try String(contentsOfFile: "\(output)/a.txt", encoding: .utf8) == "alpha")
        let mode = try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func anExistingFolderIsNeitherUsedNorRemoved() throws {
        let path = try archive("ok.berth", [("a.txt", .bytes([1]))])
        try temp.write("out/pkg/keep.txt", "mine")
        let error = #expect(throws: PackageError.self) { try ArchiveExtractor.extract(archive: path, into: output, limits: .init()) }
        #expect(error?.code == "io_error")
        #expect(temp.exists("out/pkg/keep.txt"))
    }

    @Test func tooManyEntriesAreRefused() throws {
        let path = try archive("many.berth", (0..<5).map { ("f\($0).txt", .bytes([UInt8($0)])) })
        expectRefusal(path, "too_many_entries", limits: .init(maxEntries: 3), naming: "f3.txt")
    }

    @Test func anEntryOverTheSizeLimitIsRefused() throws {
        let path = try archive("big.berth", [("small.txt", .bytes([1])), ("big.bin", .bytes(Array(repeating: 7, count: 200)))])
        expectRefusal(path, "entry_too_large", limits: .init(maxEntryBytes: 100), naming: "big.bin")
    }

    @Test func entriesTogetherOverTheTotalLimitAreRefused() throws {
        let path = try archive("total.berth", (0..<3).map { ("part\($0).bin", .bytes(Array(repeating: UInt8($0), count: 150))) })
        expectRefusal(path, "archive_too_large", limits: .init(maxTotalBytes: 300), naming: "part2.bin")
    }

    @Test func aCompressionBombIsStoppedByTheRatioLimit() throws {
        // 50 MB of zeros compresses to about 50 kB: a ratio near 1000.
        let zeros = temp.file("zeros.bin")
        #expect(FileManager.default.createFile(atPath: zeros, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: zeros))
        try handle.truncate(atOffset: 50 << 20)
        try handle.close()
        let path = try archive("bomb.berth", [("assets/zeros.bin", .file(zeros))])
        expectRefusal(path, "compression_bomb", naming: "assets/zeros.bin")
    }

    @Test func aSmallVeryCompressibleFileIsWithinTheRatioGrace() throws {
        let path = try archive("sql.berth", [("schema.sql", .bytes(Array(repeating: UInt8(ascii: " "), count: 200_000)))])
        #expect(try ArchiveExtractor.extract(archive: path, into: output, limits: .init()).count == 1)
    }

    @Test func aTruncatedArchiveIsRefused() throws {
        let path = try archive("whole.berth", [("data.bin", .bytes((0..<100_000).map { _ in UInt8.random(in: 0...255) }))])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = try temp.write("truncated.berth", Array(bytes.prefix(bytes.count / 2)))
        expectRefusal(truncated, "not_an_archive")
    }

    @Test func randomBytesAreNotAnArchive() throws {
        let path = try temp.write("random.berth", (0..<4096).map { _ in UInt8.random(in: 0...255) })
        expectRefusal(path, "not_an_archive")
    }

    @Test func anEmptyFileIsNotAnArchive() throws {
        let path = try temp.write("empty.berth", [])
        expectRefusal(path, "not_an_archive")
    }

    @Test func gzipOfSomethingOtherThanTarIsNotAnArchive() throws {
        let text = try temp.write("text.txt", String(repeating: "not a tar file\n", count: 100))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", text]
        try gzip.run()
        gzip.waitUntilExit()
        expectRefusal(text + ".gz", "not_an_archive")
    }

    @Test func aMissingArchiveIsAnIOErrorAndCreatesNothing() throws {
        expectRefusal(temp.file("absent.berth"), "io_error", naming: "absent.berth")
    }
}
