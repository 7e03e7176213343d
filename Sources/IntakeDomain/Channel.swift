import Foundation

/// How a report reached the service. Stored (`report.channel`), exported and shown by its
/// stable key; the names are for pages. A new way in gets a new case here, never a new meaning
/// for an old key.
public enum ReportChannel: String, Sendable, Hashable, CaseIterable, Codable {
    /// The public web form (`/rapportera/…`).
    case web = "webb"
    /// The Open311 GeoReport v2 endpoint (another system filing for its users).
    case open311 = "open311"
    /// A mail read from a configured mailbox.
    case email = "e-post"
    /// Registered by a handläggare for someone who phoned.
    case phone = "telefon"

    /// The stored key.
    public var key: String { rawValue }

    public var name: LocalizedText {
        switch self {
        case .web: LocalizedText(sv: "Webbformulär", en: "Web form")
        case .open311: LocalizedText(sv: "Open311 (annat system)", en: "Open311 (another system)")
        case .email: LocalizedText(sv: "E-post", en: "E-mail")
        case .phone: LocalizedText(sv: "Telefon", en: "Phone")
        }
    }

    /// A stored key read back; an unknown key (written by a newer version) reads as nil.
    public init?(key: String) {
        self.init(rawValue: key)
    }

    /// Position in `allCases`, for counting in arrays.
    public var index: Int {
        switch self {
        case .web: 0
        case .open311: 1
        case .email: 2
        case .phone: 3
        }
    }
}
