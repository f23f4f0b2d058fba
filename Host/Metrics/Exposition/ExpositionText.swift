/// The bytes of a scrape being written: text and counts appended to one growing buffer.
struct ExpositionText {
    private(set) var bytes: [UInt8] = []

    mutating func reserve(_ capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    mutating func newline() {
        bytes.append(0x0A)
    }

    /// `value` in decimal digits.
    mutating func append(_ value: UInt64) {
        guard value >= 10 else { return bytes.append(0x30 + UInt8(value)) }
        let start = bytes.count
        var rest = value
        while rest > 0 {
            bytes.append(0x30 + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }
}
