import Foundation
import Hummingbird
import IntakeDomain
import IntakeMail

/// One page: a struct per template in Templates/pages/, built in one function by its feature's
/// controller. Its stored properties are the names the template uses; a value that may be missing
/// is an Optional (an empty string would still show its label). UI text that Swift must choose
/// comes from the feature's text catalogue (`LocalizedText`), never from an inline conditional.
protocol PageModel: Sendable {
    /// The template's name, e.g. "pages/queue".
    static var template: String { get }
}

/// The values every page's layout needs: language, the link to the other language, the title, and
/// on staff pages who is logged in (navigation) and the session's CSRF token.
struct Layout: Sendable {
    let lang: String
    let sv: Bool
    let en: Bool
    let title: String
    let langQuery: String
    let langParam: String
    let switchHref: String
    let switchLang: String
    let switchLabel: String
    var staff: StaffBar?
    var csrf: String?

    /// The navigation's user.
    struct StaffBar: Sendable {
        let name: String
        let role: String
        let canWork: Bool
        let isAdmin: Bool

        /// The logged-in account, its role named in `language`.
        init(_ user: StaffUser, language: Language) {
            name = user.name
            role = user.role.name[language]
            canWork = AccessPolicy.canWorkWithReports(user)
            isAdmin = AccessPolicy.canAdminister(user)
        }
    }

    init(language: Language, title: String, path: String, extraQuery: [(String, String)] = []) {
        let other: Language = language == .sv ? .en : .sv
        var switchQuery = extraQuery
        if other == .en { switchQuery.append(("lang", "en")) }
        lang = language.rawValue
        sv = language == .sv
        en = language == .en
        self.title = title
        langQuery = language.query
        langParam = language == .en ? "&lang=en" : ""
        switchHref = path + URLQuery.string(switchQuery)
        switchLang = other.rawValue
        switchLabel = Self.switchLabel[other]
        staff = nil
        csrf = nil
    }

    private static let switchLabel = LocalizedText(sv: "På svenska", en: "In English")

    /// A page's title, "Fel: " first when the page shows an error (so a screen reader hears it first).
    static func title(_ title: String, error: Bool, _ language: Language) -> String {
        (error ? errorPrefix[language] : "") + title
    }

    private static let errorPrefix = LocalizedText(sv: "Fel: ", en: "Error: ")
}

/// Query strings for links.
enum PageContext {
    static func queryString(_ items: [(String, String)]) -> String {
        URLQuery.string(items)
    }

    static func escape(_ value: String) -> String {
        URLQuery.escape(value)
    }
}

/// One `<option>` of a `<select>` on a page: its value, its label and whether it is chosen.
struct SelectOption: Sendable {
    let value: String
    let label: String
    let selected: Bool
}
