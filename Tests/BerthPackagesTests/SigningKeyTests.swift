import BerthPackages
import Foundation
import Testing

struct SigningKeyTests {
    @Test func aGeneratedKeySignsAndItsPublicKeyVerifies() throws {
        let key = try SigningKey.generate()
        let message = Array("manifest bytes".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.verify(signature: signature, message: message))
    }

    @Test func aSignatureWithOneFlippedBitDoesNotVerify() throws {
        let key = try SigningKey.generate()
        let message = Array("manifest bytes".utf8)
        var signature = try key.sign(message)
        signature[10] ^= 0x01
        #expect(!key.publicKey.verify(signature: signature, message: message))
    }

    @Test func aSignatureDoesNotVerifyAChangedMessageOrAnotherKey() throws {
        let key = try SigningKey.generate()
        let other = try SigningKey.generate()
        let signature = try key.sign(Array("one".utf8))
        #expect(!key.publicKey.verify(signature: signature, message: Array("two".utf8)))
        #expect(!other.publicKey.verify(signature: signature, message: Array("one".utf8)))
        #expect(!key.publicKey.verify(signature: Array(signature.prefix(63)), message: Array("one".utf8)))
    }

    @Test func aPrivateKeySurvivesAPEMFileRoundTrip() throws {
        let temp = try TemporaryDirectory()
        let key = try SigningKey.generate()
        try key.writePEM(to: temp.file("dev.key"))
        let loaded = try SigningKey(pemFile: temp.file("dev.key"))
        #expect(loaded.publicKey == key.publicKey)
        #expect(String(decoding: try key.pemData, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let mode = try FileManager.default.attributesOfItem(atPath: temp.file("dev.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aPublicKeySurvivesAPEMRoundTripWithTheSameID() throws {
        let temp = try TemporaryDirectory()
        let key = try SigningKey.generate().publicKey
        try key.writePEM(to: temp.file("dev.pub"))
        let loaded = try PublicKey(pemFile: temp.file("dev.pub"))
        #expect(loaded == key)
        #expect(loaded.id == key.id)
        #expect(try PublicKey(pem: try key.pemData) == key)
        #expect(String(decoding: try key.pemData, as: UTF8.self).hasPrefix("-----BEGIN PUBLIC KEY-----"))
    }

    @Test func theKeyIDIsTheFirstSixteenHexCharactersOfTheRawKeysSHA256() throws {
        let key = try SigningKey.generate().publicKey
        #expect(key.rawBytes.count == 32)
        #expect(key.id == String(SHA256Digest.hex(key.rawBytes).prefix(16)))
        #expect(key.id.count == 16)
    }

    @Test func writingAKeyNeverReplacesAnExistingFile() throws {
        let temp = try TemporaryDirectory()
        try temp.write("dev.key", "keep me")
        let error = #expect(throws: PackageError.self) { try SigningKey.generate().writePEM(to: temp.file("dev.key")) }
        #expect(error?.code == "io_error")
        #expect(try String(contentsOfFile: temp.file("dev.key"), encoding: .utf8) == "keep me")
    }

    @Test func aFileThatIsNotAKeyIsRefusedNamingTheFile() throws {
        let temp = try TemporaryDirectory()
        let path = try temp.write("junk.pub", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
        let error = #expect(throws: PackageError.self) { try PublicKey(pemFile: path) }
        #expect(error?.code == "invalid_key_file")
        #expect(error?.message.contains(path) == true)
        let missing = #expect(throws: PackageError.self) { try SigningKey(pemFile: temp.file("absent.key")) }
        #expect(missing?.code == "invalid_key_file")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func keysMadeByTheOpenSSLToolAreReadAndNonEd25519KeysAreRefused() throws {
        let temp = try TemporaryDirectory()
        try openssl("genpkey", "-algorithm", "ed25519", "-out", temp.file("cli.key"))
        try openssl("pkey", "-in", temp.file("cli.key"), "-pubout", "-out", temp.file("cli.pub"))
        let key = try SigningKey(pemFile: temp.file("cli.key"))
        #expect(try PublicKey(pemFile: temp.file("cli.pub")) == key.publicKey)

        try openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", temp.file("ec.key"))
        let error = #expect(throws: PackageError.self) { try SigningKey(pemFile: temp.file("ec.key")) }
        #expect(error?.code == "invalid_key_file")
        #expect(error?.message.contains("not an Ed25519 key") == true)
    }

    private func openssl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
