import BerthLoader
import BerthTestSupport
import Testing

/// The probe child contains what would kill the host: crashes in the entry, hangs, bad libraries.
struct ProbeTests {
    let probe = AddonProbe(executable: BuiltProducts.berth, timeout: .seconds(2))

    @Test func aHealthyAddonIsReportedWithItsRoutes() throws {
        let result = try probe.probe(library: BuiltProducts.library("FixtureProbeAddon"), id: "fixture_probe", version: "1.0.0")
        #expect(result.ok)
        #expect(result.routes?.map(\.path) == ["/ping", "/token"])
        #expect(result.descriptor?.abiVersion == 1)
    }

    @Test func anAddonThatCrashesInItsEntryIsReportedWithTheSignal() throws {
        let error = try #require(throws: LoaderError.self) {
            try probe.probe(library: BuiltProducts.library("FixtureCrashingAddon"), id: "fixture_crashing", version: "1.0.0")
        }
        #expect(error.code == "probe_crashed")
        #expect(error.message.contains("signal"))
        #expect(error.message.contains("fixture addon crashes in its entry"))
    }

    @Test func anAddonThatHangsInItsEntryTimesOut() throws {
        let error = try #require(throws: LoaderError.self) {
            try probe.probe(library: BuiltProducts.library("FixtureHangingAddon"), id: "fixture_hanging", version: "1.0.0")
        }
        #expect(error.code == "probe_timed_out")
    }

    @Test func theChildsOwnRefusalComesBackWithItsCode() throws {
        let error = try #require(throws: LoaderError.self) {
            try probe.probe(library: BuiltProducts.library("FixtureOldToolchainAddon"), id: "fixture_old", version: "1.0.0")
        }
        #expect(error.code == "toolchain_mismatch")
    }
}
