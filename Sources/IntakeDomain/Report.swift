import Foundation

/// A report as stored, right after it was filed.
public struct FiledReport: Sendable, Hashable {
    public var id: Int64
    public var reference: String
    public var trackingToken: String
    public var receivedAt: Date
    public var feedbackDueOn: CalendarDay
    public var stateKey: String
    public var channel: ReportChannel
    public var draft: ReportDraft

    package init(id: Int64, reference: String, trackingToken: String, receivedAt: Date, feedbackDueOn: CalendarDay, stateKey: String,
                 channel: ReportChannel, draft: ReportDraft) {
        self.id = id
        self.reference = reference
        self.trackingToken = trackingToken
        self.receivedAt = receivedAt
        self.feedbackDueOn = feedbackDueOn
        self.stateKey = stateKey
        self.channel = channel
        self.draft = draft
    }
}

/// What the receipt and tracking pages need about a report; never the reporter's contact data.
public struct ReportReceipt: Sendable, Hashable {
    public var id: Int64
    public var reference: String
    public var regionKey: String
    public var agreementKey: String?
    public var agreementVersion: Int?
    public var stateKey: String
    public var language: Language
    public var receivedAt: Date
    public var feedbackDueOn: CalendarDay
    public var routes: [Route]
    public var hasEmail: Bool

    package init(id: Int64, reference: String, regionKey: String, agreementKey: String? = nil, agreementVersion: Int? = nil, stateKey: String, language: Language, receivedAt: Date, feedbackDueOn: CalendarDay, routes: [Route], hasEmail: Bool) {
        self.id = id
        self.reference = reference
        self.regionKey = regionKey
        self.agreementKey = agreementKey
        self.agreementVersion = agreementVersion
        self.stateKey = stateKey
        self.language = language
        self.receivedAt = receivedAt
        self.feedbackDueOn = feedbackDueOn
        self.routes = routes
        self.hasEmail = hasEmail
    }
}

public enum ReferenceNumber {
    /// `SB-2026-00042`: prefix, year, then a number sequential within the year.
    public static func format(year: Int, sequence: Int) -> String {
        "SB-\(year)-" + DigitText.padded(sequence, width: 5)
    }
}

public enum SecretToken {
    /// 32 characters for a value that is also a unique key (tracking tokens, Message-IDs): the
    /// time in milliseconds in 8 characters whose byte order follows time, then 18 random bytes
    /// (144 bits) from the system's secure generator. New keys land at the end of their index
    /// instead of on a random page, so a group commit writes a few index pages instead of one
    /// per report and mail. Same alphabet and length as `generate()`, so `isWellFormed` holds.
    public static func generateOrdered(now: Date = Date()) -> String {
        let ordered = orderedAlphabet
        var milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var prefix = [UInt8](repeating: 0, count: 8)
        for index in stride(from: 7, through: 0, by: -1) {
            prefix[index] = ordered[Int(milliseconds & 63)]
            milliseconds >>= 6
        }
        return String(decoding: prefix, as: UTF8.self) + base64URL(randomBytes(18))
    }

    /// 24 random bytes (192 bits) from the system's secure generator, base64url without padding.
    /// One call to the kernel's generator and a hand-written encoder: this runs for every report and mail.
    public static func generate() -> String {
        base64URL(randomBytes(24))
    }

    /// `count` bytes from the system's secure generator, in one call to the kernel (getrandom).
    package static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        return bytes
    }

    /// base64url's 64 characters, in its order and in ASCII order.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let orderedAlphabet = Array("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)

    /// RFC 4648 §5 base64url without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = alphabet
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let n = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A token we could have issued: base64url, 32 characters. Anything else is not looked up.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 32 && token.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}

/// The report content an owner or escalation mail carries (never contact data).
public struct ReportFacts: Sendable {
    public var id: Int64
    public var reference: String
    public var regionKey: String
    public var agreementKey: String?
    public var organisationKey: String
    public var otherPartyKeys: [String]
    public var occurredOn: CalendarDay
    public var whatHappened: String
    public var expected: String
    public var consequences: String?
    public var improvement: String?
    public var extraFields: [String: [String]]
    public var language: Language
    public var feedbackDueOn: CalendarDay

    public init(id: Int64, reference: String, regionKey: String, agreementKey: String?, organisationKey: String, otherPartyKeys: [String],
                occurredOn: CalendarDay, whatHappened: String, expected: String, consequences: String?, improvement: String?,
                extraFields: [String: [String]], language: Language, feedbackDueOn: CalendarDay) {
        self.id = id
        self.reference = reference
        self.regionKey = regionKey
        self.agreementKey = agreementKey
        self.organisationKey = organisationKey
        self.otherPartyKeys = otherPartyKeys
        self.occurredOn = occurredOn
        self.whatHappened = whatHappened
        self.expected = expected
        self.consequences = consequences
        self.improvement = improvement
        self.extraFields = extraFields
        self.language = language
        self.feedbackDueOn = feedbackDueOn
    }
}
