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

    /// The layout's values as a dictionary, for pages not yet given a model.
    var dictionary: [String: Any] {
        var values: [String: Any] = [
            "lang": lang, "sv": sv, "en": en, "title": title, "langQuery": langQuery, "langParam": langParam,
            "switchHref": switchHref, "switchLang": switchLang, "switchLabel": switchLabel,
        ]
        if let staff {
            values["staff"] = ["name": staff.name, "role": staff.role, "canWork": staff.canWork, "isAdmin": staff.isAdmin] as [String: Any]
        }
        if let csrf { values["csrf"] = csrf }
        return values
    }
}

extension PageRenderer {
    /// A typed page as an HTTP response.
    func page<Model: PageModel>(_ model: Model, layout: Layout, status: HTTPResponse.Status = .ok) -> Response {
        html(render(Model.template, model: model, layout: layout), status: status)
    }
}

/// Query strings for links (the older dictionary pages use `base`, being replaced by `Layout`).
enum PageContext {
    static func base(language: Language, title: String, path: String, extraQuery: [(String, String)] = []) -> [String: Any] {
        Layout(language: language, title: title, path: path, extraQuery: extraQuery).dictionary
    }

    static func queryString(_ items: [(String, String)]) -> String {
        URLQuery.string(items)
    }

    static func escape(_ value: String) -> String {
        URLQuery.escape(value)
    }
}
