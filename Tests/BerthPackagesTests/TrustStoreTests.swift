import BerthPackages
import Foundation
import Testing

struct TrustStoreTests {
    @Test func aMissingFolderGivesAnEmptyStore() throws {
        let temp = try TemporaryDirectory()
        let store = try TrustStore(directory: temp.file("nope"))
        #expect(store.keys.isEmpty)
    }

    @Test func everyPubFileInTheFolderAndEachExtraFileIsTrusted() throws {
        let temp = try TemporaryDirectory()
        let first = try SigningKey.generate().publicKey
        let second = try SigningKey.generate().publicKey
        let extra = try SigningKey.generate().publicKey
        try FileManager.default.createDirectory(atPath: temp.file("keys"), withIntermediateDirectories: true)
        try first.writePEM(to: temp.file("keys/first.pub"))
        try second.writePEM(to: temp.file("keys/second.pub"))
        try temp.write("keys/notes.txt", "not a key, and not named .pub")
        try extra.writePEM(to: temp.file("elsewhere.pem"))

        let store = try TrustStore(directory: temp.file("keys"), extraFiles: [temp.file("elsewhere.pem")])
        #expect(Set(store.keys) == [first, second, extra])
        #expect(store.key(id: second.id) == second)
        #expect(store.key(id: "0000000000000000") == nil)
    }

    @Test func aBadKeyFileFailsTheLoadNamingTheFile() throws {
        let temp = try TemporaryDirectory()
        try temp.write("keys/broken.pub", "garbage")
        try SigningKey.generate().publicKey.writePEM(to: temp.file("keys/good.pub"))
        let error = #expect(throws: PackageError.self) { try TrustStore(directory: temp.file("keys")) }
        #expect(error?.code == "invalid_key_file")
        #expect(error?.message.contains("broken.pub") == true)

        let missing = #expect(throws: PackageError.self) {
            try TrustStore(directory: temp.file("none"), extraFiles: [temp.file("absent.pub")])
        }
        #expect(missing?.code == "invalid_key_file")
        #expect(missing?.message.contains("absent.pub") == true)
    }
}
