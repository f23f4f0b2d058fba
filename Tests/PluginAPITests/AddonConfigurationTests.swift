import PluginAPI
import Testing

/// `integer` answers only whole numbers an `Int` holds, and never traps.
struct AddonConfigurationTests {
    @Test(arguments: [1e300, -1e300, 9.3e18, 1.5, .infinity, .nan])
    func aNumberNoIntHoldsExactlyIsNotAnInteger(_ value: Double) {
        #expect(AddonConfiguration(["n": .number(value)]).integer("n") == nil)
    }

    @Test func wholeNumbersInRangeAreIntegers() {
        let configuration = AddonConfiguration(["a": .number(42), "b": .number(-9.0e15), "c": .string("4")])
        #expect(configuration.integer("a") == 42)
        #expect(configuration.integer("b") == -9_000_000_000_000_000)
        #expect(configuration.integer("c") == nil)
        #expect(configuration.integer("missing") == nil)
    }
}
