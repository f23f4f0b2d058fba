import BerthLoader
import BerthTestSupport
import Foundation
import Testing

/// Every refusal of the in-process loader names its exact cause, before any Swift type crosses.
struct ABIGateTests {
    @Test func aWrongABIVersionIsRefusedNamingBothVersions() throws {
        let error = try #require(throws: LoaderError.self) { try AddonLibrary.load(path: BuiltProducts.library("FixtureWrongABIAddon")) }
        #expect(error.code == "abi_mismatch")
        #expect(error.message.contains("version 99"))
        #expect(error.message.contains("supports version 1"))
    }

    @Test func aToolchainMismatchIsRefusedNamingBothToolchains() throws {
        let error = try #require(throws: LoaderError.self) { try AddonLibrary.load(path: BuiltProducts.library("FixtureOldToolchainAddon")) }
        #expect(error.code == "toolchain_mismatch")
        #expect(error.message.contains("5.10.1"))
        #expect(error.message.contains(HostABI.current.toolchain))
    }

    @Test func aLibraryWithoutTheEntryIsRefused() throws {
        let error = try #require(throws: LoaderError.self) { try AddonLibrary.load(path: BuiltProducts.library("FixtureNoEntryAddon")) }
        #expect(error.code == "missing_entry")
        #expect(error.message.contains("berth_addon_abi"))
    }

    @Test func aFileThatIsNotELFIsRefusedWithoutMappingIt() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.appending("libNotAnAddon.so")
        try Data("#!/bin/sh\necho hi\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LoaderError.self) { try AddonLibrary.load(path: path) }
        #expect(error.code == "not_shared_object")
        #expect(error.message.contains("not an ELF file"))
    }

    @Test func aTruncatedLibraryIsRefusedBeforeTheDynamicLoaderSeesIt() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let original = try Data(contentsOf: URL(fileURLWithPath: BuiltProducts.library("FixtureProbeAddon")))
        let path = folder.appending("libTruncated.so")
        try original.prefix(original.count / 3).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LoaderError.self) { try AddonLibrary.load(path: path) }
        #expect(error.code == "not_shared_object")
        #expect(error.message.contains("truncated"))
    }

    @Test func anIdentityThatDiffersFromTheManifestIsRefused() throws {
        let library = try AddonLibrary.load(path: BuiltProducts.library("FixtureProbeAddon"))
        let error = try #require(throws: LoaderError.self) { try library.requireIdentity(id: "fixture_probe", version: "2.0.0") }
        #expect(error.code == "identity_mismatch")
    }
}
