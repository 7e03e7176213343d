import Hummingbird
import IntakeDomain
import IntakeMail

/// The error page (4xx/5xx) with a way forward: shown by `ErrorPageMiddleware` for thrown errors
/// and by controllers for refusals they explain themselves.
struct ErrorPage: PageModel {
    static let template = "pages/error"
    let status: Int
    let message: String
    let homeHref: String
    let actionHref: String?
    let actionText: String?

    static func response(renderer: PageRenderer, status: HTTPResponse.Status, language: Language, message: LocalizedText,
                         link: (href: String, text: LocalizedText)? = nil, title: LocalizedText? = nil) -> Response {
        let page = ErrorPage(status: status.code, message: message[language], homeHref: "/" + language.query,
                             actionHref: link?.href, actionText: link?.text[language])
        let layout = Layout(language: language, title: (title ?? AppError.title(for: status))[language], path: "/")
        return renderer.page(page, layout: layout, status: status)
    }
}
