import BerthPackages
import Foundation
import Testing

/// Signed packages end to end: what passes, and each way a package is refused.
struct PackageVerifierTests {
    let fixture: PackageFixture
    init() throws { fixture = try PackageFixture() }

    private func expectRefusal(_ archive: String, _ code: String, naming detail: String? = nil, trusting store: TrustStore? = nil) {
        let error = #expect(throws: PackageError.self) { try fixture.verify(archive, trusting: store) }
        #expect(error?.code == code, "\(String(describing: error))")
        if let detail { #expect(error?.message.contains(detail) == true, "\(String(describing: error))") }
        #expect(!FileManager.default.fileExists(atPath: fixture.staging), "the staging folder must be gone after a refusal")
    }

    @Test func aBuiltPackageVerifiesAndGivesBackTheSameManifest() throws {
        let (archive, packed) = try fixture.build()
        let verified = try fixture.verify(archive)
        #expect(verified.manifest == packed)
        #expect(verified.signerKeyID == fixture.key.publicKey.id)
        #expect(verified.manifest.signingKey == fixture.key.publicKey.id)
        #expect(verified.archiveSHA256 == (try SHA256Digest.hex(fileAt: archive)))
        #expect(verified.manifestBytes == (try packed.canonicalJSON()))
        #expect(Set(packed.files.keys) == Set(fixture.sources.map(\.archivePath)))
        let library = verified.path(of: verified.manifest.library)
        #expect(try SHA256Digest.hex(fileAt: library) == packed.files["lib/libGreeter.so"])
    }

    @Test func buildingTheSameInputsTwiceGivesTheSameArchive() throws {
        let first = try fixture.build("a.berth").path
        let second = try fixture.build("b.berth").path
        #expect(try SHA256Digest.hex(fileAt: first) == (try SHA256Digest.hex(fileAt: second)))
    }

    @Test func aFlippedByteInTheSignatureIsABadSignature() throws {
        let archive = try fixture.repack(try fixture.build().path, as: "badsig.berth") { entries in
            var signature = entries.bytes(of: "manifest.sig")!
            signature[0] ^= 0xff
            entries.replace("manifest.sig", with: .bytes(signature))
        }
        expectRefusal(archive, "bad_signature")
    }

    @Test func aChangedManifestNoLongerMatchesItsSignature() throws {
        let archive = try fixture.repack(try fixture.build().path, as: "edited.berth") { entries in
            let text = String(decoding: entries.bytes(of: "manifest.json")!, as: UTF8.self)
            entries.replace("manifest.json", with: .bytes(Array(text.replacingOccurrences(of: "1.2.3", with: "9.9.9").utf8)))
        }
        expectRefusal(archive, "bad_signature")
    }

    @Test func aKeyOutsideTheTrustStoreIsUntrustedAndNamed() throws {
        let stranger = try SigningKey.generate()
        let archive = try fixture.build(signedBy: stranger).path
        expectRefusal(archive, "untrusted_key", naming: stranger.publicKey.id)
        expectRefusal(archive, "untrusted_key", trusting: TrustStore(keys: []))
    }

    @Test func aFileChangedAfterSigningIsAHashMismatch() throws {
        let archive = try fixture.repack(try fixture.build().path, as: "tampered.berth") { entries in
            entries.replace("lib/libGreeter.so", with: .bytes(Array("evil code".utf8)))
        }
        expectRefusal(archive, "hash_mismatch", naming: "lib/libGreeter.so")
    }

    @Test func anExtraFileNotInTheManifestIsUnlisted() throws {
        let archive = try fixture.repack(try fixture.build().path, as: "extra.berth") { entries in
            entries.append(("assets/extra.js", .bytes(Array("alert(1)".utf8))))
        }
        expectRefusal(archive, "unlisted_file", naming: "assets/extra.js")
    }

    @Test func aListedFileAbsentFromTheArchiveIsMissing() throws {
        let archive = try fixture.repack(try fixture.build().path, as: "missing.berth") { entries in
            entries.removeAll { $0.path == "assets/readme.txt" }
        }
        expectRefusal(archive, "missing_file", naming: "assets/readme.txt")
    }

    @Test func anArchiveWithoutManifestOrSignatureIsRefused() throws {
        let built = try fixture.build().path
        let noManifest = try fixture.repack(built, as: "nomanifest.berth") { $0.removeAll { $0.path == "manifest.json" } }
        expectRefusal(noManifest, "missing_manifest")
        let noSignature = try fixture.repack(built, as: "nosig.berth") { $0.removeAll { $0.path == "manifest.sig" } }
        expectRefusal(noSignature, "missing_signature")
    }

    @Test func aSignedManifestThatIsNotJSONIsInvalid() throws {
        let archive = try fixture.signedPackage(manifestBytes: Array("{ not json".utf8), as: "garbage.berth")
        expectRefusal(archive, "invalid_manifest", naming: "not valid JSON")
    }

    @Test func aSignedManifestMissingAFieldIsInvalidNamingIt() throws {
        var object = try JSONSerialization.jsonObject(with: Data(try PackageFixture.template().canonicalJSON())) as! [String: Any]
        object["library"] = nil
        let bytes = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        let archive = try fixture.signedPackage(manifestBytes: bytes, as: "nolibrary.berth")
        expectRefusal(archive, "invalid_manifest", naming: "library")
    }

    @Test func aSignedManifestWithABadIDIsInvalidNamingTheField() throws {
        var manifest = try fixture.build().manifest
        manifest.id = "Bad-ID"
        let archive = try fixture.signedPackage(manifestBytes: try manifest.canonicalJSON(), as: "badid.berth")
        expectRefusal(archive, "invalid_manifest", naming: "'id'")
    }

    @Test func hostileArchivesAreRefusedByTheVerifierToo() throws {
        let built = try fixture.build().path
        let traversal = try fixture.repack(built, as: "traversal.berth") { $0.append(("../evil", .bytes([1]))) }
        expectRefusal(traversal, "unsafe_path", naming: "../evil")
        let link = try fixture.repack(built, as: "link.berth") { $0.append(("lib/libEvil.so", .symlink(target: "/bin/sh"))) }
        expectRefusal(link, "link_entry", naming: "lib/libEvil.so")
        let random = try fixture.temp.write("random.berth", (0..<2048).map { _ in UInt8.random(in: 0...255) })
        expectRefusal(random, "not_an_archive")
    }

    @Test func inspectReadsTheManifestWithoutVerifyingOrUnpacking() throws {
        let stranger = try SigningKey.generate()
        let (archive, packed) = try fixture.build(signedBy: stranger)
        #expect(try PackageVerifier.inspect(archive: archive) == packed)
        let noManifest = try fixture.repack(archive, as: "nomanifest.berth") { $0.removeAll { $0.path == "manifest.json" } }
        let error = #expect(throws: PackageError.self) { try PackageVerifier.inspect(archive: noManifest) }
        #expect(error?.code == "missing_manifest")
    }

    @Test func errorsCarryTheHTTPStatusTheAPIAnswersWith() throws {
        let stranger = try SigningKey.generate()
        let error = #expect(throws: PackageError.self) { try fixture.verify(try fixture.build(signedBy: stranger).path) }
        #expect(error?.httpStatus == 422)
        #expect(error?.description.hasPrefix("untrusted_key: ") == true)
    }
}
