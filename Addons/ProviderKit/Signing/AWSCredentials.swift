/// An AWS-style access key pair (S3, R2, Spaces, B2, Supabase and GCS HMAC keys all take this form).
public struct AWSCredentials: Sendable, Hashable {
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    public var accessKeyID: String
    /// The secret access key (sensitive configuration).
    public var secretAccessKey: String
    /// A session token for temporary credentials, sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// The `YYYYMMDD'T'HHMMSS'Z'` time stamp SigV4 signs, from seconds since 1970.
public struct AWSTimestamp: Sendable, Hashable {
    /// Seconds since 1970 (UTC).
    public let secondsSince1970: Int
    /// `20130524T000000Z`.
    public let amzDate: String
    /// `20130524`.
    public var dateStamp: String { String(amzDate.prefix(8)) }

    /// The time stamp of `secondsSince1970`.
    public init(secondsSince1970: Int) {
        self.secondsSince1970 = secondsSince1970
        // Civil date from days since 1970 (Howard Hinnant's algorithm): no locale, no tz database.
        let days = secondsSince1970 >= 0 ? secondsSince1970 / 86_400 : (secondsSince1970 - 86_399) / 86_400
        let secondOfDay = secondsSince1970 - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        amzDate = pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Now.
    public static func now() -> AWSTimestamp {
        AWSTimestamp(secondsSince1970: Int(WallClock.unixSeconds()))
    }
}

import Glibc

/// The wall clock in seconds since 1970, as signatures and time stamps need it.
public enum WallClock {
    /// Now, in seconds since 1970 (UTC).
    public static func unixSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
