import BerthPackages
import Foundation
import Testing

/// Archives crafted to escape the extraction folder or plant something other than a file.
struct HostileArchiveTests {
    let temp: TemporaryDirectory
    init() throws { temp = try TemporaryDirectory() }

    private var output: String { temp.file("out/pkg") }

    /// Writes `entries` (after a harmless first file, so that refusal must undo real work),
    /// extracts, and checks the code, the entry named in the message and the clean-up.
    private func expectRefusal(_ code: String, naming entry: String, _ entries: [(path: String, contents: ArchiveContents)]) throws {
        let path = temp.file("hostile.berth")
        try ArchiveWriter.write(to: path, entries: [("manifest.json", .bytes(Array("{}".utf8)))] + entries)
        let error = #expect(throws: PackageError.self) {
            try ArchiveExtractor.extract(archive: path, into: output, limits: .init())
        }
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.message.contains(entry) == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: output), "the extraction folder must be gone after a refusal")
        #expect(!temp.exists("evil"), "nothing may be written outside the extraction folder")
        #expect(!temp.exists("out/evil"), "nothing may be written outside the extraction folder")
    }

    @Test func aParentDirectoryComponentIsRefused() throws {
        try expectRefusal("unsafe_path", naming: "../evil", [("../evil", .bytes([1]))])
        try expectRefusal("unsafe_path", naming: "lib/../../evil", [("lib/../../evil", .bytes([1]))])
    }

    @Test func anAbsolutePathIsRefused() throws {
        try expectRefusal("unsafe_path", naming: "/tmp/evil", [("/tmp/evil", .bytes([1]))])
    }

    @Test func dotAndEmptyComponentsAreRefused() throws {
        try expectRefusal("unsafe_path", naming: "./lib/a", [("./lib/a", .bytes([1]))])
        try expectRefusal("unsafe_path", naming: "lib//a", [("lib//a", .bytes([1]))])
        try expectRefusal("unsafe_path", naming: "bad\u{1}name", [("bad\u{1}name", .bytes([1]))])
    }

    @Test func aSymbolicLinkIsRefused() throws {
        try expectRefusal("link_entry", naming: "lib/link", [("lib/link", .symlink(target: "/etc/passwd"))])
    }

    @Test func aHardLinkIsRefused() throws {
        try expectRefusal("link_entry", naming: "lib/copy", [("lib/copy", .hardlink(target: "manifest.json"))])
    }

    @Test func devicesAndPipesAreRefused() throws {
        try expectRefusal("special_file", naming: "dev/tty", [("dev/tty", .characterDevice)])
        try expectRefusal("special_file", naming: "pipe", [("pipe", .fifo)])
    }

    @Test func aRepeatedPathIsRefused() throws {
        try expectRefusal("duplicate_entry", naming: "manifest.json", [("manifest.json", .bytes(Array("{\"x\":1}".utf8)))])
    }

    @Test func aFileCannotReplaceAFolderOrSitBelowAFile() throws {
        try expectRefusal("duplicate_entry", naming: "lib", [("lib/a.so", .bytes([1])), ("lib", .bytes([2]))])
        try expectRefusal("unsafe_path", naming: "manifest.json/x", [("manifest.json/x", .bytes([1]))])
    }
}
