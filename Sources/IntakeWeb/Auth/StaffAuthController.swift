import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices

/// The layout of a staff page: `Layout` plus who is logged in (the navigation) and the session's
/// CSRF token for forms; and the confirmations shown after a POST.
enum StaffPage {
    /// The staff page of one report.
    static func reportPath(_ id: Int64) -> String { SitePaths.staffReport(id) }

    static func layout(_ request: Request, context: AppRequestContext, title: String, path: String) -> Layout {
        let language = PublicReportController.language(request)
        var layout = Layout(language: language, title: title, path: path)
        if let session = context.staffSession {
            layout.staff = Layout.StaffBar(session.user, language: language)
            layout.csrf = session.csrfToken
        }
        return layout
    }

    /// The confirmation shown after a successful POST, by the `klart` key of the redirect.
    static func notice(_ request: Request, language: Language) -> String? {
        request.uri.queryParameters["klart"].flatMap { notices[String($0)]?[language] }
    }

    static let notices: [String: LocalizedText] = [
        "status": LocalizedText(sv: "Statusen är ändrad.", en: "The status has been changed."),
        "svar": LocalizedText(sv: "Svaret är sparat och skickas till rapportören.", en: "The reply is saved and sent to the reporter."),
        "svar-utan-epost": LocalizedText(sv: "Svaret är sparat och syns på rapportörens uppföljningssida. Rapportören lämnade ingen e-postadress.", en: "The reply is saved and shown on the reporter's tracking page. The reporter left no e-mail address."),
        "anteckning": LocalizedText(sv: "Anteckningen är sparad.", en: "The note is saved."),
        "tilldela": LocalizedText(sv: "Tilldelningen är ändrad.", en: "The assignment has been changed."),
        "klassificera": LocalizedText(sv: "Rapporten är omklassificerad och de nya förvaltande funktionerna har fått besked.", en: "The report has been reclassified and the new owning functions have been notified."),
        "klassificera-bort": LocalizedText(sv: "Rapporten är omklassificerad till en överenskommelse som du inte förvaltar. De nya förvaltande funktionerna har fått besked.", en: "The report has been reclassified to an agreement you do not manage. The new owning functions have been notified."),
        "eskalera": LocalizedText(sv: "Rapporten är eskalerad och nivån har fått besked.", en: "The report has been escalated and the level has been notified."),
        "koppla": LocalizedText(sv: "Rapporterna är kopplade.", en: "The reports are linked."),
        "systemfel": LocalizedText(sv: "Markeringen systemfel är ändrad.", en: "The systemic failure mark has been changed."),
        "utfall": LocalizedText(sv: "Utfallet är sparat.", en: "The outcome is saved."),
        "losenord": LocalizedText(sv: "Ditt nya lösenord är sparat.", en: "Your new password is saved."),
        "sparad": LocalizedText(sv: "Kontot är sparat.", en: "The account is saved."),
        "lank": LocalizedText(sv: "En länk för att välja nytt lösenord är skickad till kontots e-postadress.", en: "A link to choose a new password has been sent to the account's e-mail address."),
        "forsok-igen": LocalizedText(sv: "Meddelandet skickas igen.", en: "The message will be sent again."),
        "aterkallad": LocalizedText(sv: "Nyckeln är återkallad och fungerar inte längre.", en: "The token is revoked and no longer works."),
    ]

    /// A redirect after a successful POST, with a message key the next page shows.
    static func redirect(_ location: String, message: String? = nil, language: Language) -> Response {
        var query: [(String, String)] = []
        if let message { query.append(("klart", message)) }
        if language == .en { query.append(("lang", "en")) }
        let separator = location.contains("?") ? "&" : "?"
        let suffix = query.isEmpty ? "" : separator + query.map { "\($0.0)=\(PageContext.escape($0.1))" }.joined(separator: "&")
        return Response(status: .seeOther, headers: [.location: location + suffix])
    }
}

/// Login, logout, forgotten and changed passwords.
struct StaffAuthController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        let csrf = CSRFMiddleware(services: services)
        router.group("/login").add(middleware: csrf)
            .get(reads: .init(query: ["next", "klart"]), use: loginPage)
            .post(reads: .init(form: ["csrf", "email", "password", "next"]), use: login)
        router.group("/logout").add(middleware: csrf)
            .post(reads: .init(form: ["csrf"]), use: logout)
        let password = router.group("/losenord").add(middleware: csrf)
        password.get("glomt", use: forgotPage)
        password.post("glomt", reads: .init(form: ["csrf", "email"]), use: forgot)
        password.get("aterstall/:token", use: resetPage)
        password.post("aterstall/:token", reads: .init(form: ["csrf", "password", "password_repeat"]), use: reset)
        router.group("/konto")
            .add(middleware: RequireStaffMiddleware(roles: Set(StaffRole.allCases), allowPendingPasswordChange: true))
            .add(middleware: csrf)
            .get("losenord", reads: .init(query: ["klart"]), use: changePage)
            .post("losenord", reads: .init(form: ["csrf", "current_password", "password", "password_repeat"]), use: change)
    }

    private var now: Date { services.clock() }

    // MARK: login

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.staffSession != nil { return Response(status: .seeOther, headers: [.location: "/handlaggning"]) }
        return loginForm(request, context: context, email: "", error: nil)
    }

    func loginForm(_ request: Request, context: AppRequestContext, email: String, error: LocalizedText?, status: HTTPResponse.Status = .ok) -> Response {
        let language = PublicReportController.language(request)
        let title = Layout.title(AuthTexts.loginTitle[language], error: error != nil, language)
        let layout = StaffPage.layout(request, context: context, title: title, path: "/login")
        let notice: LocalizedText? = switch request.uri.queryParameters["klart"].map(String.init) {
        case "utloggad": AuthTexts.loggedOut
        case "losenord": AuthTexts.passwordSavedLogIn
        default: nil
        }
        let page = LoginPage(
            csrf: AnonymousFormToken.make(key: services.signingKey, now: now),
            email: email,
            next: Self.safeNext(request.uri.queryParameters["next"].map(String.init) ?? context.form["next"]?.first),
            forgotHref: "/losenord/glomt" + language.query,
            notice: notice?[language],
            error: error?[language])
        return services.renderer.page(page, layout: layout, status: status)
    }

    /// Only a local path may follow login (no open redirect). Browsers drop tabs and line
    /// breaks from a URL, read a backslash as a slash and `//host` as another host, so the
    /// value must start with one `/`, consist of printable ASCII only (no space, no control
    /// character, no backslash), and the same must hold after percent-decoding it (up to three
    /// times, for values decoded again on the way). Anything else: nil, and login goes to the
    /// start page.
    static func safeNext(_ value: String?) -> String? {
        guard let value, value.utf8.count <= 2048, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") })
        else { return nil }
        var candidate = value
        for _ in 0..<4 {
            guard candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
                  !candidate.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
            else { return nil }
            // A broken escape never comes from our own links.
            guard let decoded = candidate.removingPercentEncoding else { return nil }
            if decoded == candidate { return value }
            candidate = decoded
        }
        return nil
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        let email = (context.form["email"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        let password = context.form["password"]?.first ?? ""
        let address = FormGuard.clientKey(remoteAddress: context.remoteAddress, headers: request.headers, trustProxy: services.configuration.trustProxy)
        let now = now
        // Counted before the password is checked (in flight), so parallel attempts cannot all
        // pass the gate: at most 5 per account and 20 per address in 15 minutes are checked.
        if let until = services.loginThrottle.withLockedValue({ $0.admit(account: email, address: address, now: now) }) {
            services.metrics.loginAttempt(.throttled)
            context.logger.notice("login throttled")
            throw AppError.tooManyAttempts(until: until)
        }
        guard !email.isEmpty, !password.isEmpty, let user = try await services.staff.authenticate(email: email, password: password) else {
            // The admitted attempt stays counted as a failure.
            services.metrics.loginAttempt(.failed)
            context.logger.notice("login failed")
            return loginForm(request, context: context, email: email, error: AuthTexts.wrongCredentials, status: .unauthorized)
        }
        services.loginThrottle.withLockedValue { $0.admittedAttemptSucceeded(account: email, address: address, admittedAt: now) }
        services.metrics.loginAttempt(.succeeded)
        if let old = context.staffSession { try await services.staff.endSession(idHash: old.idHash) }
        let (id, _) = try await services.staff.startSession(for: user, now: now)
        let target = user.mustChangePassword ? "/konto/losenord" : (Self.safeNext(context.form["next"]?.first) ?? "/handlaggning")
        var response = StaffPage.redirect(target, language: language)
        response.headers[.setCookie] = SessionCookie.set(id, secure: services.configuration.secureCookies)
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let session = context.staffSession {
            try await services.staff.endSession(idHash: session.idHash, user: session.user, now: now)
        }
        var response = StaffPage.redirect("/login", message: "utloggad", language: PublicReportController.language(request))
        response.headers[.setCookie] = SessionCookie.clear(secure: services.configuration.secureCookies)
        return response
    }

    // MARK: forgotten password

    func passwordPage(_ request: Request, context: AppRequestContext, mode: PasswordPage.Mode, title: LocalizedText, path: String,
                      error: LocalizedText? = nil, pending: Bool = false, status: HTTPResponse.Status = .ok) -> Response {
        let language = PublicReportController.language(request)
        let layout = StaffPage.layout(request, context: context, title: Layout.title(title[language], error: error != nil, language), path: path)
        let loggedIn = context.staffSession != nil
        let page = PasswordPage(
            csrf: loggedIn ? nil : AnonymousFormToken.make(key: services.signingKey, now: now),
            forgot: mode == .forgot, sent: mode == .sent, reset: mode == .reset, change: mode == .change,
            action: path,
            minLength: PasswordPolicy.minimumLength,
            // Logged in, the way on is the staff navigation, not the login page.
            loginHref: loggedIn ? nil : "/login" + language.query,
            error: error?[language],
            pending: pending)
        return services.renderer.page(page, layout: layout, status: status)
    }

    @Sendable func forgotPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        passwordPage(request, context: context, mode: .forgot, title: AuthTexts.forgotTitle, path: "/losenord/glomt")
    }

    /// A request for a reset link is answered no sooner than this after it arrived, whether or
    /// not the address has an account (only then is a link stored and a mail queued, which
    /// takes a few milliseconds), so the response time does not tell which addresses exist.
    static let forgotResponseTime: Duration = .milliseconds(250)

    /// Always the same answer after the same time, so the page does not tell which addresses
    /// have accounts. Limited like logins, under keys of its own: 5 requests per e-mail address
    /// and 20 per client address in 15 minutes, counted before the work is done.
    @Sendable func forgot(_ request: Request, context: AppRequestContext) async throws -> Response {
        let arrived = ContinuousClock.now
        let email = (context.form["email"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        let now = now
        let address = FormGuard.clientKey(remoteAddress: context.remoteAddress, headers: request.headers, trustProxy: services.configuration.trustProxy)
        if let until = services.loginThrottle.withLockedValue({ $0.admit(account: "reset:" + email, address: "reset:" + address, now: now) }) {
            context.logger.notice("password reset request throttled")
            throw AppError.tooManyAttempts(until: until)
        }
        if !email.isEmpty {
            let composer = services.mailComposer
            _ = try await services.staff.startPasswordReset(email: email, now: now) { user, token in composer.passwordReset(user: user, token: token) }
        }
        try? await Task.sleep(until: arrived.advanced(by: Self.forgotResponseTime), clock: .continuous)
        return passwordPage(request, context: context, mode: .sent, title: AuthTexts.forgotTitle, path: "/losenord/glomt")
    }

    @Sendable func resetPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard try await services.staff.resetTarget(token: token, now: now) != nil else { return expiredReset(request, context: context) }
        return passwordPage(request, context: context, mode: .reset, title: AuthTexts.resetTitle, path: "/losenord/aterstall/\(token)")
    }

    func expiredReset(_ request: Request, context: AppRequestContext) -> Response {
        passwordPage(request, context: context, mode: .forgot, title: AuthTexts.forgotTitle, path: "/losenord/glomt",
                     error: AuthTexts.linkExpired,
                     status: .notFound)
    }

    @Sendable func reset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let path = "/losenord/aterstall/\(token)"
        let password = context.form["password"]?.first ?? ""
        guard password == context.form["password_repeat"]?.first else {
            return passwordPage(request, context: context, mode: .reset, title: AuthTexts.resetTitle, path: path, error: AuthTexts.mismatch, status: .unprocessableContent)
        }
        do {
            _ = try await services.staff.completePasswordReset(token: token, password: password, now: now)
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            guard case .weakPassword(let text) = error else { return expiredReset(request, context: context) }
            return passwordPage(request, context: context, mode: .reset, title: AuthTexts.resetTitle, path: path, error: text, status: .unprocessableContent)
        }
        return StaffPage.redirect("/login", message: "losenord", language: PublicReportController.language(request))
    }

    // MARK: changing one's own password

    @Sendable func changePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let pending = context.staffSession?.user.mustChangePassword ?? false
        return passwordPage(request, context: context, mode: .change, title: AuthTexts.changeTitle, path: "/konto/losenord", pending: pending)
    }

    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.staffSession else { throw AppError.forbidden }
        let current = context.form["current_password"]?.first ?? ""
        let password = context.form["password"]?.first ?? ""
        let pending = session.user.mustChangePassword
        func again(_ error: LocalizedText) -> Response {
            passwordPage(request, context: context, mode: .change, title: AuthTexts.changeTitle, path: "/konto/losenord", error: error,
                         pending: pending, status: .unprocessableContent)
        }
        guard try await services.staff.authenticate(email: session.user.email, password: current) != nil else {
            return again(AuthTexts.wrongCurrentPassword)
        }
        guard password == context.form["password_repeat"]?.first else { return again(AuthTexts.mismatch) }
        guard password != current else {
            return again(AuthTexts.sameAsCurrent)
        }
        do {
            try await services.staff.setPassword(userId: session.user.id, password: password, keepSession: session.idHash,
                                                 by: .user(id: session.user.id, name: session.user.name), now: now)
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            return again(error.message)
        }
        return StaffPage.redirect("/handlaggning", message: "losenord", language: PublicReportController.language(request))
    }
}
