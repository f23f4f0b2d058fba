import BerthPackages
import Foundation
import Testing

struct SHA256DigestTests {
    @Test func bytesHashToTheStandardTestVectors() {
        #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aFileHashesLikeItsBytesAcrossManyChunks() throws {
        let temp = try TemporaryDirectory()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = try temp.write("big.bin", bytes)
        #expect(try SHA256Digest.hex(fileAt: path) == SHA256Digest.hex(bytes))
    }

    @Test func hashingAMissingFileIsAnIOErrorNamingIt() throws {
        let temp = try TemporaryDirectory()
        let error = #expect(throws: PackageError.self) { try SHA256Digest.hex(fileAt: temp.file("absent")) }
        #expect(error?.code == "io_error")
        #expect(error?.message.contains("absent") == true)
    }
}
