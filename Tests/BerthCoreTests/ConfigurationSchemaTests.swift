@testable import BerthCore
import PluginAPI
import Testing

/// The schema check accepts as `integer` only whole numbers that fit in 64 bits, and reports
/// every other number with its pointer instead of trapping.
struct ConfigurationSchemaTests {
    let schema = ConfigurationSchema(.object([
        "type": .string("object"),
        "properties": .object([
            "count": .object(["type": .string("integer"), "minimum": .number(0)]),
            "name": .object(["type": .string("string"), "maxLength": .number(1e300)]),
        ]),
    ]))

    func violations(_ values: [String: JSONValue]) -> [ConfigurationSchema.Violation] {
        if case .failure(let failure) = schema.validate(values) { return failure.violations }
        return []
    }

    @Test(arguments: [1e300, 1.5, 9.3e18, -1e19])
    func aNumberThatIsNoInt64IsRefusedAsAnInteger(_ value: Double) {
        let found = violations(["count": .number(value)])
        #expect(found.map(\.pointer) == ["/count"])
        #expect(found.first?.message.contains("integer") == true)
    }

    @Test func aWholeNumberIsAnInteger() {
        #expect(violations(["count": .number(7)]).isEmpty)
        #expect(AddonConfiguration(["count": .number(7)]).integer("count") == 7)
    }

    @Test func aHugeLengthLimitInTheSchemaDoesNotTrap() {
        #expect(violations(["name": .string("ok")]).isEmpty)
    }
}
