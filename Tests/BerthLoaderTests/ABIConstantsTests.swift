import BerthLoader
import BerthTestSupport
import PluginAPI
import Testing

/// The ABI strings an addon's entry point reports come from the same literals as the values the
/// host checks them against, so the two cannot drift apart.
struct ABIConstantsTests {
    @Test func theValuesTheHostChecksAreTheLiteralsTheEntryPointReports() {
        #expect(AddonABI.version == Int(AddonABI.compiledABIVersion.description))
        #expect(AddonABI.pluginAPIVersion == AddonABI.compiledPluginAPIVersion.description)
        #expect(HostABI.current.abiVersion == AddonABI.version)
        #expect(HostABI.current.pluginAPIVersion == AddonABI.pluginAPIVersion)
        #expect(HostABI.current.toolchain == AddonABI.compiledToolchain.description)
        #expect(HostABI.current.architecture == AddonABI.compiledArchitecture.description)
        let reported = [AddonABI.abiVersionField, AddonABI.pluginAPIVersionField, AddonABI.toolchainField, AddonABI.architectureField]
            .map { AddonABI.describe($0).map { String(cString: $0) } }
        #expect(reported == [String(HostABI.current.abiVersion), HostABI.current.pluginAPIVersion, HostABI.current.toolchain, HostABI.current.architecture])
        #expect(AddonABI.describe(4) == nil)
        #expect(AddonABI.describe(-1) == nil)
    }

    @Test func aBuiltAddonsEntryPointReportsExactlyWhatThisHostChecks() throws {
        let library = try AddonLibrary.load(path: BuiltProducts.library("FixtureProbeAddon"))
        #expect(library.descriptor == AddonDescriptor(
            abiVersion: HostABI.current.abiVersion, pluginAPIVersion: HostABI.current.pluginAPIVersion,
            toolchain: HostABI.current.toolchain, architecture: HostABI.current.architecture
        ))
    }
}
