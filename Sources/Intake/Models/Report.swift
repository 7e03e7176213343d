import Foundation

/// A report as stored, right after it was filed.
public struct FiledReport: Sendable, Hashable {
    public var id: Int64
    public var reference: String
    public var trackingToken: String
    public var receivedAt: Date
    public var feedbackDueOn: CalendarDay
    public var stateKey: String
    public var draft: ReportDraft
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
}

public enum ReferenceNumber {
    /// `SB-2026-00042`: prefix, year, then a number sequential within the year.
    public static func format(year: Int, sequence: Int) -> String {
        "SB-\(year)-" + String(format: "%05d", sequence)
    }
}

public enum SecretToken {
    /// 24 random bytes (192 bits) from the system's secure generator, base64url without padding.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token we could have issued: base64url, 32 characters. Anything else is not looked up.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 32 && token.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}
