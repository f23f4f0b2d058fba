/// The values one field of a cron expression admits, as a bit set over its range.
struct CronField: Sendable, Hashable {
    /// Which field, for messages and names.
    enum Kind: String, Sendable {
        case second, minute, hour, dayOfMonth = "day-of-month", month, dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0 ... 59
            case .hour: 0 ... 23
            case .dayOfMonth: 1 ... 31
            case .month: 1 ... 12
            // 7 is Sunday too, folded into 0 when parsed.
            case .dayOfWeek: 0 ... 7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value of a name: JAN is 1, SUN is 0.
        func value(named name: Substring) -> Int? {
            guard let index = names.firstIndex(of: name.uppercased()) else { return nil }
            return self == .month ? index + 1 : index
        }
    }

    let kind: Kind
    private(set) var bits: UInt64 = 0
    /// Whether the field was `*` (or `*/1`): day-of-month and day-of-week combine differently then.
    let isWildcard: Bool

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// Parses one field: `*`, `*/n`, `a`, `a-b`, `a-b/n`, `a/n`, and lists of these joined by `,`.
    init(_ text: Substring, _ kind: Kind) throws(CronError) {
        self.kind = kind
        isWildcard = text == "*" || text == "*/1"
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            try add(part)
        }
        if kind == .dayOfWeek, contains(7) {
            bits = (bits & ~(1 << 7)) | 1
        }
    }

    private mutating func add(_ part: Substring) throws(CronError) {
        guard !part.isEmpty else { throw field("an empty list item") }
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw field("'\(part)' has more than one '/'") }
        var step = 1
        if pieces.count == 2 {
            guard let value = Int(pieces[1]), value >= 1, value <= kind.range.upperBound else {
                throw field("the step in '\(part)' must be a whole number from 1 to \(kind.range.upperBound)")
            }
            step = value
        }
        let range: ClosedRange<Int>
        if pieces[0] == "*" {
            range = kind.range
        } else {
            let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else { throw field("'\(part)' is not a value or a range") }
            let low = try value(bounds[0])
            let high = bounds.count == 2 ? try value(bounds[1]) : (pieces.count == 2 ? kind.range.upperBound : low)
            guard low <= high else { throw field("the range '\(pieces[0])' runs backwards") }
            range = low ... high
        }
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
    }

    private func value(_ text: Substring) throws(CronError) -> Int {
        if let number = Int(text), text.allSatisfy(\.isNumber) {
            guard kind.range.contains(number) else {
                throw field("\(number) is out of \(kind.range.lowerBound)–\(kind.range.upperBound)")
            }
            return number
        }
        if let named = kind.value(named: text) { return named }
        throw field("'\(text.prefix(20))' is not a number\(kind.names.isEmpty ? "" : " or a name like \(kind.names[0])")")
    }

    private func field(_ problem: String) -> CronError {
        .invalid("the \(kind.rawValue) field: \(problem)")
    }
}
