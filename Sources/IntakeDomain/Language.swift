/// The languages every user-facing text exists in. Swedish is the default.
public enum Language: String, Sendable, CaseIterable, Codable {
    case sv
    case en

    /// Reads `lang` from a query or form value; anything unknown falls back to Swedish.
    public init(parameter: String?) {
        self = parameter.flatMap { Language(rawValue: $0.lowercased()) } ?? .sv
    }

    /// The query that keeps this language in a link: "" for Swedish, "?lang=en" for English.
    public var query: String { self == .en ? "?lang=en" : "" }
}

/// A text given in Swedish and English, as the catalogue and form definitions hold it.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var sv: String
    public var en: String

    public init(sv: String, en: String) {
        self.sv = sv
        self.en = en
    }

    public subscript(language: Language) -> String {
        switch language {
        case .sv: sv
        case .en: en.isEmpty ? sv : en
        }
    }
}
