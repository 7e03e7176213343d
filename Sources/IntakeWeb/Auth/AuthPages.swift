/// The login and password pages' models (Templates/pages/…), each built in one function of `StaffAuthController`.

/// Logga in.
struct LoginPage: PageModel {
    static let template = "pages/login"
    /// The anonymous form token (the login form has no session yet).
    let csrf: String
    let email: String
    let next: String?
    let forgotHref: String
    let notice: String?
    let error: String?
}

/// The password pages: a forgotten password (ask for a link, link sent), a reset by link, and a
/// change of one's own password. The form fields are in the partial `password-fields`, which reads
/// `action`, `csrf`, `change`, `reset` and `minLength` from this model.
struct PasswordPage: PageModel {
    static let template = "pages/password"

    enum Mode: Sendable { case forgot, sent, reset, change }

    /// The anonymous form token when not logged in; nil takes the session's from the layout.
    let csrf: String?
    let forgot: Bool
    let sent: Bool
    let reset: Bool
    let change: Bool
    let action: String
    let minLength: Int
    /// Only when not logged in: logged in, the way on is the staff navigation.
    let loginHref: String?
    let error: String?
    /// A one-time password must be changed before going on (change mode).
    let pending: Bool
}
