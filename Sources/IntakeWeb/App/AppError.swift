import Foundation
import Hummingbird
import IntakeDomain

/// What can go wrong in a request, each with the status and the plain message shown to the user:
/// the web layer's one error type. Pages show `message` on the error page; the staff API answers
/// `problem` as problem+json and Open311 answers `open311` as its error list.
public enum AppError: Error, Sendable, Equatable {
    case notFound
    case badRequest(LocalizedText)
    case payloadTooLarge(limit: Int)
    case unsupportedMediaType
    case methodNotAllowed
    case forbidden
    case csrfRejected
    /// An unsafe request whose Origin (or Referer) is another website: login CSRF and the like.
    case crossSite
    case tooManyAttempts(until: Date)
    /// The database cannot store anything now (full disk, size cap reached, unwritable file):
    /// 503 with `Retry-After`, nothing was stored.
    case storageUnavailable
    /// A body or query that is not valid `application/x-www-form-urlencoded` (`FormBody`).
    case malformedForm(FormBody.Malformation)
    /// A staff API refusal with its status, answered as problem+json.
    case problem(status: HTTPResponse.Status, detail: LocalizedText)
    /// An Open311 refusal with its status and the specification's list of descriptions (Swedish).
    case open311(status: HTTPResponse.Status, descriptions: [String])

    /// `Retry-After` of a `storageUnavailable` answer, in seconds.
    static let storageRetryAfterSeconds = 60

    var status: HTTPResponse.Status {
        switch self {
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .methodNotAllowed: .methodNotAllowed
        case .forbidden, .csrfRejected, .crossSite: .forbidden
        case .tooManyAttempts: .tooManyRequests
        case .storageUnavailable: .serviceUnavailable
        case .malformedForm: .badRequest
        case .problem(let status, _), .open311(let status, _): status
        }
    }

    var message: LocalizedText {
        switch self {
        case .notFound:
            LocalizedText(sv: "Sidan finns inte. Kontrollera adressen eller börja om från startsidan.",
                          en: "The page does not exist. Check the address or start again from the home page.")
        case .badRequest(let text):
            text
        case .payloadTooLarge(let limit):
            LocalizedText(sv: "Det du skickade är för stort (högst \(limit / 1024) kB). Korta ner texterna och försök igen.",
                          en: "What you sent is too large (at most \(limit / 1024) kB). Shorten the texts and try again.")
        case .unsupportedMediaType:
            LocalizedText(sv: "Formuläret skickades i ett format som inte stöds. Skicka det från formulärsidan.",
                          en: "The form was sent in a format that is not supported. Send it from the form page.")
        case .methodNotAllowed:
            LocalizedText(sv: "Det går inte att göra så på den här sidan.", en: "That is not possible on this page.")
        case .forbidden:
            LocalizedText(sv: "Du har inte behörighet till den här sidan. Kontakta en administratör om du behöver den.",
                          en: "You do not have access to this page. Contact an administrator if you need it.")
        case .csrfRejected:
            LocalizedText(sv: "Formuläret har gått ut eller kom inte från den här webbplatsen. Gå tillbaka, ladda om sidan och försök igen.",
                          en: "The form has expired or did not come from this website. Go back, reload the page and try again.")
        case .crossSite:
            LocalizedText(sv: "Formuläret skickades från en annan webbplats än vår, och därför tog vi inte emot det. Öppna sidan här hos oss, till exempel inloggningssidan, och försök igen därifrån.",
                          en: "The form was sent from another website than ours, so we did not accept it. Open the page here, for example the login page, and try again from there.")
        case .tooManyAttempts(let until):
            LocalizedText(sv: "För många försök. Vänta till klockan \(Self.clockTime(until)) och försök igen.",
                          en: "Too many attempts. Wait until \(Self.clockTime(until)) and try again.")
        case .storageUnavailable:
            LocalizedText(sv: "Vi kan inte ta emot rapporter just nu. Ingenting har sparats. Försök igen om en stund.",
                          en: "We cannot receive reports right now. Nothing has been saved. Please try again in a while.")
        case .malformedForm:
            LocalizedText(sv: "Formuläret kunde inte läsas. Det innehöll tecken som inte går att tolka. Gå tillbaka och försök igen.",
                          en: "The form could not be read. It contained characters that cannot be interpreted. Go back and try again.")
        case .problem(_, let detail): detail
        case .open311(_, let descriptions): LocalizedText(sv: descriptions.joined(separator: " "), en: descriptions.joined(separator: " "))
        }
    }

    /// A refused write that is not a report (`ErrorPageMiddleware.storageMessage`).
    static let nothingSaved = LocalizedText(sv: "Vi kan inte spara något just nu. Ingenting av det du skickade har sparats. Försök igen om en stund.",
                                            en: "We cannot save anything right now. Nothing of what you sent has been saved. Please try again in a while.")

    /// "14:05" in Swedish time.
    static func clockTime(_ date: Date) -> String {
        let calendar = CalendarDay.swedishCalendar
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    /// Generic title for a status, used on error pages.
    static func title(for status: HTTPResponse.Status) -> LocalizedText {
        switch status.code {
        case 400: LocalizedText(sv: "Felaktig begäran", en: "Bad request")
        case 403: LocalizedText(sv: "Du har inte behörighet", en: "Access denied")
        case 404: LocalizedText(sv: "Sidan hittades inte", en: "Page not found")
        case 405: LocalizedText(sv: "Inte tillåtet", en: "Not allowed")
        case 413: LocalizedText(sv: "För stort innehåll", en: "Content too large")
        case 415: LocalizedText(sv: "Formatet stöds inte", en: "Format not supported")
        case 422: LocalizedText(sv: "Uppgifterna kunde inte tas emot", en: "The information could not be accepted")
        case 429: LocalizedText(sv: "För många försök", en: "Too many attempts")
        case 503: LocalizedText(sv: "Tjänsten är tillfälligt otillgänglig", en: "The service is temporarily unavailable")
        case 500..<600: LocalizedText(sv: "Något gick fel hos oss", en: "Something went wrong on our side")
        default: LocalizedText(sv: "Något gick fel", en: "Something went wrong")
        }
    }
}
