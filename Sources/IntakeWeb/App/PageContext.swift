import Foundation
import IntakeDomain

/// The values every page's layout needs: language, the link to the other language, the title.
enum PageContext {
    static func base(language: Language, title: String, path: String, extraQuery: [(String, String)] = []) -> [String: Any] {
        let other: Language = language == .sv ? .en : .sv
        var switchQuery = extraQuery
        if other == .en { switchQuery.append(("lang", "en")) }
        return [
            "lang": language.rawValue,
            "sv": language == .sv,
            "en": language == .en,
            "title": title,
            "langQuery": language.query,
            "langParam": language == .en ? "&lang=en" : "",
            "switchHref": path + queryString(switchQuery),
            "switchLang": other.rawValue,
            "switchLabel": other == .en ? "In English" : "På svenska",
        ]
    }

    static func queryString(_ items: [(String, String)]) -> String {
        URLQuery.string(items)
    }

    static func escape(_ value: String) -> String {
        URLQuery.escape(value)
    }
}
