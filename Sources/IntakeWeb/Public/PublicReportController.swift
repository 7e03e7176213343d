import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore
import Logging
import NIOCore

/// The public side: start page, choosing an agreement, the report form, the receipt and the
/// reporter's tracking page. No account and no cookies.
struct PublicReportController: Sendable {
    let services: AppServices
    let rateLimiter: SubmissionRateLimiter

    init(services: AppServices) {
        self.services = services
        rateLimiter = SubmissionRateLimiter(limit: services.configuration.rateLimitPerHour)
    }

    static let unknownAgreementKey = "vet-inte"
    /// The agreement finder's words (`?sok=`), read only through `FinderQuery.parse`.
    static let searchField = "sok"
    /// Sent by the "Fortsätt" button, so "Fortsätt" with nothing chosen is told apart from opening the page.
    static let continueField = "fortsatt"

    func addRoutes(to router: RouteTable) {
        router.get("/", use: home)
        router.get("/rapportera", use: { request, _ in
            Response(status: .seeOther, headers: [.location: "/" + Self.language(request).query])
        })
        router.get("/rapportera/:region", reads: .init(query: ["avtal", Self.searchField, Self.continueField]), use: form)
        router.post("/rapportera/:region", reads: .init(form: Self.reportFormFields(catalogue)), use: submit)
        router.get("/tillganglighet", use: accessibilityStatement)
        router.get("/personuppgifter", use: privacyNotice)
        router.get("/kvitto/:token", use: receipt)
        router.get("/arende/:token", reads: .init(query: ["tillagd"]), use: tracking)
        router.post("/arende/:token", reads: .init(form: ["information", "lang", ReportForm.confirmedNotNamesField]), use: addInformation)
        router.get("/static/app.css", use: { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: services.renderer.stylesheet)))
        })
    }

    private var catalogue: Catalogue { services.catalogue }
    private var today: CalendarDay { CalendarDay(services.clock()) }

    /// Every field the report form may send, for any agreement: the common fields, each
    /// agreement's extra fields, the agreement choice and the form's protections.
    static func reportFormFields(_ catalogue: Catalogue) -> [String] {
        var names = ["avtal", "lang", FormGuard.fillTimeField, FormGuard.honeypotField] + catalogue.form.fields.map(\.key)
        for agreement in catalogue.agreements {
            for field in agreement.fields where !names.contains(ReportForm.extraFieldName(field.key)) {
                names.append(ReportForm.extraFieldName(field.key))
            }
        }
        return names
    }

    static func language(_ request: Request) -> Language {
        Language(parameter: request.uri.queryParameters["lang"].map(String.init))
    }

    // MARK: start page

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        var page = PageContext.base(language: language, title: language == .sv ? "Rapportera en samverkansbrist" : "Report a collaboration failure", path: "/")
        page["regions"] = catalogue.regions.map { region in
            ["name": region.name[language], "href": "/rapportera/\(region.key)" + language.query]
        }
        return services.renderer.page("pages/home", page)
    }

    // MARK: the form

    @Sendable func form(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        guard let region = catalogue.region(context.parameters.get("region") ?? "") else { throw AppError.notFound }
        return await agreementStep(request, region: region, language: language, place: .publicForm) { form in
            reportFormPage(form, language: language, values: [:], errors: [], fillTimeToken: newFillTimeToken())
        }
    }

    /// The agreement step of the public form and of the staff's phone form: the choice (ranked by
    /// `sok`, with an error for "Fortsätt" with nothing chosen or an unknown choice), or, once an
    /// agreement is chosen, the page `formPage` makes for it.
    func agreementStep(_ request: Request, region: Region, language: Language, place: FormPlace,
                       formPage: (ReportForm) -> Response) async -> Response {
        let search = FinderQuery.parse(request.uri.queryParameters[Substring(Self.searchField)])
        guard let choice = request.uri.queryParameters["avtal"].map(String.init), !choice.isEmpty else {
            if request.uri.queryParameters[Substring(Self.continueField)] != nil {
                // "Fortsätt" with nothing chosen: say so, next to the choice, never a silent reload.
                return await chooseAgreementPage(region: region, language: language, search: search, error: LocalizedText(
                    sv: "Välj en överenskommelse, eller ”Vet inte / ingen passar” om du är osäker.",
                    en: "Choose an agreement, or “Don’t know / none fits” if you are not sure."), status: .unprocessableContent, place: place)
            }
            return await chooseAgreementPage(region: region, language: language, search: search, error: nil, place: place)
        }
        guard let resolved = resolveAgreement(choice, region: region) else {
            return await chooseAgreementPage(region: region, language: language, search: search, error: LocalizedText(
                sv: "Välj en överenskommelse i listan, eller ”Vet inte / ingen passar”.",
                en: "Choose an agreement from the list, or “Don’t know / none fits”."), status: .unprocessableContent, place: place)
        }
        return formPage(ReportForm(catalogue: catalogue, region: region, agreement: resolved.agreement))
    }

    func resolveAgreement(_ key: String, region: Region) -> (agreement: Agreement?, key: String)? {
        if key == Self.unknownAgreementKey { return (nil, key) }
        guard let agreement = catalogue.agreement(key), agreement.regionKey == region.key, agreement.isValid(on: today) else { return nil }
        return (agreement, key)
    }

    /// The agreement choice. With `search`, the agreement finder's best matches come first as
    /// suggestions, then the other agreements in ranked order; without it, agreements grouped by target group.
    func chooseAgreementPage(region: Region, language: Language, search: FinderQuery? = nil, error: LocalizedText?,
                             status: HTTPResponse.Status = .ok, place: FormPlace = .publicForm) async -> Response {
        let title = language == .sv ? "Vilken överenskommelse gäller det?" : "Which agreement is it about?"
        var extraQuery: [(String, String)] = []
        if let search { extraQuery.append((Self.searchField, search.text)) }
        var page = place.page(language: language, title: (error == nil ? "" : (language == .sv ? "Fel: " : "Error: ")) + title,
                              path: "\(place.basePath)/\(region.key)", extraQuery: extraQuery)
        page["regionName"] = region.name[language]
        page["action"] = "\(place.basePath)/\(region.key)"
        page["homeHref"] = place.homePath + language.query
        page["searchField"] = Self.searchField
        page["continueField"] = Self.continueField
        page["searchMaxLength"] = FinderQuery.maximumCharacters
        func model(_ agreement: Agreement, matched: [String] = []) -> [String: Any] {
            ["key": agreement.key, "id": "avtal-\(agreement.key)", "name": agreement.name[language], "summary": agreement.summary[language],
             "matched": matched.prefix(5).joined(separator: ", "), "hasMatched": !matched.isEmpty]
        }
        var firstId: String?
        if let search {
            page["searchText"] = search.text
            page["searchShortened"] = search.wasShortened
            let ranked = await services.finder.finder(region: region.key, now: services.clock()).rank(search.text)
            let suggestions = AgreementFinder.suggestions(ranked)
            let suggested = Set(suggestions.map(\.agreement.key))
            page["searched"] = true
            page["hasSuggestions"] = !suggestions.isEmpty
            page["suggestionCount"] = suggestions.count
            page["oneSuggestion"] = suggestions.count == 1
            page["suggestions"] = suggestions.map { model($0.agreement, matched: $0.matchedWords) }
            page["others"] = ranked.filter { !suggested.contains($0.agreement.key) }.map { model($0.agreement) }
            page["clearHref"] = "\(place.basePath)/\(region.key)" + language.query
            firstId = ranked.first.map { "avtal-\($0.agreement.key)" }
        } else {
            let groups = catalogue.agreementsByTargetGroup(region: region.key, on: today)
            page["groups"] = groups.map { group, agreements in
                ["name": group.name[language], "agreements": agreements.map { model($0) }] as [String: Any]
            }
            firstId = groups.first?.1.first.map { "avtal-\($0.key)" }
        }
        page["unknownKey"] = Self.unknownAgreementKey
        if let error {
            page["errorMessage"] = error[language]
            page["errorHref"] = "#" + (firstId ?? "avtal-\(Self.unknownAgreementKey)")
            page["hasErrors"] = true
        }
        return services.renderer.page("pages/choose-agreement", page, status: status)
    }

    private func newFillTimeToken() -> String {
        FormGuard.fillTimeToken(shownAt: services.clock(), key: services.signingKey)
    }

    /// The report form. The public form carries the fill-time token and the honeypot; the staff
    /// form for a phone call (`place`) carries the session's CSRF token instead.
    func reportFormPage(_ form: ReportForm, language: Language, values: FormValues, errors: [FieldError], fillTimeToken: String?,
                        status: HTTPResponse.Status = .ok, place: FormPlace = .publicForm) -> Response {
        let region = form.region
        let agreementKey = form.agreement?.key ?? Self.unknownAgreementKey
        let title = place.isPhone
            ? (language == .sv ? "Registrera rapport från telefonsamtal" : "Register a report from a phone call")
            : (language == .sv ? "Rapportera en samverkansbrist" : "Report a collaboration failure")
        var page = place.page(language: language, title: errors.isEmpty ? title : (language == .sv ? "Fel: " : "Error: ") + title,
                              path: "\(place.basePath)/\(region.key)", extraQuery: [("avtal", agreementKey)])
        let errorByField = Dictionary(errors.map { ($0.fieldKey, $0.message[language]) }, uniquingKeysWith: { a, _ in a })
        page["phone"] = place.isPhone
        page["homeHref"] = place.homePath + language.query
        let namesByField = Dictionary(errors.map { ($0.fieldKey, $0.unconfirmedNames) }, uniquingKeysWith: { a, _ in a })
        // Words confirmed earlier stay confirmed while the form goes back and forth.
        page["confirmedNotNames"] = Array(ReportForm.confirmedNotNames(values).sorted().prefix(50))
        page["confirmedNotNamesField"] = ReportForm.confirmedNotNamesField
        page["regionName"] = region.name[language]
        page["action"] = "\(place.basePath)/\(region.key)"
        page["agreementKey"] = agreementKey
        page["agreementName"] = form.agreement.map { $0.name[language] } ?? (language == .sv ? "Vet inte / ingen passar" : "Don’t know / none fits")
        page["agreementSummary"] = form.agreement.map { $0.summary[language] } ?? (language == .sv
            ? "Rapporten går till en central mottagning som tar reda på vem som ska hantera den."
            : "The report goes to a central triage team that finds out who should handle it.")
        page["changeHref"] = "\(place.basePath)/\(region.key)" + language.query
        page["retentionDays"] = services.configuration.contactRetentionDays
        page["hasErrors"] = !errors.isEmpty
        let errors = form.inPageOrder(errors)
        page["errorCount"] = errors.count
        page["oneError"] = errors.count == 1
        page["errors"] = errors.map { ["href": "#f-\($0.fieldKey)", "message": $0.message[language]] }
        if let fillTimeToken {
            page["guarded"] = true
            page["honeypotField"] = FormGuard.honeypotField
            page["fillTimeField"] = FormGuard.fillTimeField
            page["fillTimeToken"] = fillTimeToken
        }

        let parties = region.parties
        func model(_ field: FieldDefinition, name: String) -> [String: Any] {
            FieldView.model(field, name: name, language: language, values: values, error: errorByField[name], parties: parties,
                            unconfirmedNames: namesByField[name] ?? [])
        }
        page["eventFields"] = ReportForm.eventFields.map { model(form.catalogue.form.field($0), name: $0.rawValue) }
        page["extraFields"] = form.extraFields.map { model($0, name: ReportForm.extraFieldName($0.key)) }
        page["hasExtraFields"] = !form.extraFields.isEmpty
        let contactKeys = ReportForm.contactFields
        page["contactFields"] = contactKeys.map { model(form.catalogue.form.field($0), name: $0.rawValue) }
        // The contact details sit in a disclosure: open when something is filled in or wrong there.
        page["contactOpen"] = contactKeys.contains { key in
            errorByField[key.rawValue] != nil || !(values[key.rawValue]?.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        }
        return services.renderer.page("pages/report-form", page, status: status)
    }

    // MARK: where the form is shown

    /// Where the agreement choice and the report form are shown: the public pages, or the staff
    /// pages where a handläggare registers a report for someone who phoned. Same form, same checks.
    struct FormPlace {
        /// `/rapportera` or `/handlaggning/telefon`; the region key follows.
        var basePath = "/rapportera"
        /// Where the breadcrumb's first link goes.
        var homePath = "/"
        /// The staff layout's values (who is logged in, the CSRF token); empty on the public form.
        var staffValues: [String: Any] = [:]

        static var publicForm: FormPlace { FormPlace() }

        var isPhone: Bool { !staffValues.isEmpty }

        func page(language: Language, title: String, path: String, extraQuery: [(String, String)] = []) -> [String: Any] {
            var page = PageContext.base(language: language, title: title, path: path, extraQuery: extraQuery)
            page.merge(staffValues) { _, staff in staff }
            return page
        }
    }

    // MARK: submission

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let region = catalogue.region(context.parameters.get("region") ?? "") else { throw AppError.notFound }
        let values = try await Self.readForm(request, limit: services.configuration.maxBodyBytes)
        let language = Language(parameter: values["lang"]?.first)
        let configuration = services.configuration

        guard FormGuard.isSameSite(request.headers, host: request.head.authority, publicURL: configuration.publicURL) else {
            services.metrics.reportRefused()
            context.logger.notice("report refused: cross-site post")
            return refusalPage(status: .forbidden, language: language, message: LocalizedText(
                sv: "Rapporten skickades från en annan webbplats än vår, och därför tog vi inte emot den. Öppna formuläret här och skicka rapporten därifrån.",
                en: "The report was sent from another website than ours, so we did not accept it. Open the form here and send the report from there."),
                link: (href: "/rapportera/\(region.key)" + language.query, text: LocalizedText(sv: "Till formuläret", en: "To the form")))
        }

        let now = services.clock()
        let client = FormGuard.clientKey(remoteAddress: context.remoteAddress, headers: request.headers, trustProxy: configuration.trustProxy)
        if let retryAfter = rateLimiter.admit(client, now: now) {
            services.metrics.reportRefused()
            context.logger.notice("report refused: rate limit", metadata: ["retry_after": .stringConvertible(retryAfter)])
            return rateLimitedPage(retryAfter: retryAfter, now: now, language: language)
        }

        let shownAt = FormGuard.shownAt(values[FormGuard.fillTimeField]?.first, key: services.signingKey)
        let verdict = FormGuard.verdict(values, shown: shownAt, now: now, minimumSeconds: configuration.minFillSeconds)
        if verdict == .bot {
            // Counted against the rate limit, stored nowhere, and the page does not say why.
            services.metrics.reportRefused()
            context.logger.notice("report refused: automated submission")
            return refusalPage(status: .badRequest, language: language, message: LocalizedText(
                sv: "Vi kunde inte ta emot rapporten. Ingenting har sparats. Öppna formuläret på nytt, fyll i det och skicka igen.",
                en: "We could not accept the report. Nothing has been saved. Open the form again, fill it in and send it again."),
                link: (href: "/rapportera/\(region.key)" + language.query, text: LocalizedText(sv: "Till formuläret", en: "To the form")),
                title: LocalizedText(sv: "Rapporten kunde inte tas emot", en: "The report could not be accepted"))
        }
        // A person who has to correct something gets the attempt back.
        func giveBack() { rateLimiter.release(client, at: now) }
        // The time counts from when the form was first shown, also across corrections.
        // Only needed when the form comes back; a filed report does not sign anything.
        var fillTimeToken: String { shownAt.map { FormGuard.fillTimeToken(shownAt: $0, key: services.signingKey) } ?? newFillTimeToken() }

        guard values["avtal"]?.count == 1, let choice = values["avtal"]?.first, let resolved = resolveAgreement(choice, region: region) else {
            giveBack()
            services.metrics.reportRefused()
            return await chooseAgreementPage(region: region, language: language, error: LocalizedText(
                sv: "Överenskommelsen du valde finns inte (längre). Välj en i listan, eller ”Vet inte / ingen passar”.",
                en: "The agreement you chose does not exist (any more). Choose one from the list, or “Don’t know / none fits”."),
                status: .unprocessableContent)
        }
        let form = ReportForm(catalogue: catalogue, region: region, agreement: resolved.agreement)
        if verdict == .tooFast {
            giveBack()
            services.metrics.reportRefused()
            context.logger.info("report refused: sent too soon after the form was shown")
            return reportFormPage(form, language: language, values: values, errors: [FieldError(fieldKey: "skicka", message: LocalizedText(
                sv: "Rapporten skickades mycket snabbt efter att formuläret öppnades. Kontrollera uppgifterna och skicka igen.",
                en: "The report was sent very soon after the form was opened. Check the details and send it again."))],
                fillTimeToken: fillTimeToken, status: .unprocessableContent)
        }
        if verdict == .expired {
            giveBack()
            services.metrics.reportRefused()
            context.logger.info("report refused: the form was shown more than a day ago")
            // The new token counts the minimum fill time as spent: the person filled the form
            // in long ago and may send it again at once.
            let renewed = FormGuard.fillTimeToken(shownAt: now.addingTimeInterval(-Double(configuration.minFillSeconds)), key: services.signingKey)
            return reportFormPage(form, language: language, values: values, errors: [FieldError(fieldKey: "skicka", message: LocalizedText(
                sv: "Formuläret har varit öppet i mer än ett dygn, och därför tog vi inte emot rapporten ännu. Ingenting har sparats men dina uppgifter finns kvar här. Kontrollera dem och skicka igen.",
                en: "The form has been open for more than a day, so we did not accept the report yet. Nothing has been saved, but your details are kept here. Check them and send again."))],
                fillTimeToken: renewed, status: .unprocessableContent)
        }
        switch form.validate(values, language: language, today: today) {
        case .failure(let rejection):
            giveBack()
            services.metrics.reportRefused()
            context.logger.info("report refused", metadata: ["fields": .string(rejection.errors.map(\.fieldKey).joined(separator: ","))])
            return reportFormPage(form, language: language, values: values, errors: rejection.errors, fillTimeToken: fillTimeToken,
                                  status: .unprocessableContent)
        case .success(let draft):
            let composer = services.mailComposer
            let filed: FiledReport
            do {
                filed = try await services.reports.file(draft, channel: .web, initialState: catalogue.lifecycle.initialKey, now: services.clock()) {
                    composer.reportFiled(draft, channel: .web, trackingToken: $0, feedbackDueOn: $1)
                }
            } catch {
                // Nothing was stored (a full disk is answered with 503): the attempt does not count.
                giveBack()
                throw error
            }
            services.metrics.reportReceived(region: region.key, agreement: draft.agreementKey, channel: .web)
            services.metrics.stateChanged(from: nil, to: filed.stateKey)
            context.logger.info("report filed", metadata: [
                "reference": .string(filed.reference), "agreement": .string(draft.agreementKey ?? Self.unknownAgreementKey),
                "routes": .stringConvertible(draft.routes.count),
            ])
            return Response(status: .seeOther, headers: [.location: "/kvitto/\(filed.trackingToken)" + language.query])
        }
    }

    /// A refusal on the error page, with a way forward.
    func refusalPage(status: HTTPResponse.Status, language: Language, message: LocalizedText, link: (href: String, text: LocalizedText)? = nil,
                     title: LocalizedText? = nil, headers: HTTPFields = [:]) -> Response {
        var response = ErrorPage.response(renderer: services.renderer, status: status, language: language, message: message, link: link, title: title)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// 429 with Retry-After and the clock time (Swedish time) when sending works again.
    func rateLimitedPage(retryAfter: Int, now: Date, language: Language) -> Response {
        let minutes = max(1, (retryAfter + 59) / 60)
        let calendar = CalendarDay.swedishCalendar
        let parts = calendar.dateComponents([.hour, .minute], from: now.addingTimeInterval(TimeInterval(retryAfter) + 59))
        let clock = String(format: "%02d.%02d", parts.hour ?? 0, parts.minute ?? 0)
        let clockEnglish = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        let limit = services.configuration.rateLimitPerHour
        return refusalPage(status: .tooManyRequests, language: language, message: LocalizedText(
            sv: "Det har skickats många rapporter från samma nätverk den senaste timmen (högst \(limit) per timme). Din rapport är inte skickad. Försök igen efter klockan \(clock), om ungefär \(minutes) \(minutes == 1 ? "minut" : "minuter"). Gå tillbaka i webbläsaren så finns det du skrev kvar.",
            en: "Many reports have been sent from the same network in the last hour (at most \(limit) per hour). Your report has not been sent. Try again after \(clockEnglish) Swedish time, in about \(minutes) \(minutes == 1 ? "minute" : "minutes"). Go back in your browser and what you wrote is still there."),
            headers: [.retryAfter: String(retryAfter)])
    }

    /// Reads a urlencoded form body within the size limit; anything else is a clear 4xx.
    static func readForm(_ request: Request, limit: Int) async throws -> FormValues {
        guard let contentType = request.headers[.contentType], let mediaType = MediaType(from: contentType),
              mediaType.isType(.applicationUrlEncoded)
        else { throw AppError.unsupportedMediaType }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw AppError.payloadTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AppError.payloadTooLarge(limit: limit)
        } catch {
            // The body stream broke off (a malformed chunked body, a closed connection): a client error.
            throw AppError.invalidForm
        }
        do {
            return try FormBody.parse(buffer.readableBytesView)
        } catch {
            throw AppError.invalidForm
        }
    }

    // MARK: pages every public service must have

    @Sendable func accessibilityStatement(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        let page = AccessibilityPage(homeHref: "/" + language.query, contactEmail: services.configuration.contactEmail)
        return services.renderer.page(page, layout: Layout(language: language, title: PublicTexts.accessibilityTitle[language], path: "/tillganglighet"))
    }

    @Sendable func privacyNotice(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        let configuration = services.configuration
        let page = PrivacyPage(homeHref: "/" + language.query, retentionDays: configuration.contactRetentionDays,
                               openMaxDays: configuration.openReportMaxDays, contactEmail: configuration.contactEmail,
                               dataController: configuration.dataController)
        return services.renderer.page(page, layout: Layout(language: language, title: PublicTexts.privacyTitle[language], path: "/personuppgifter"))
    }

    // MARK: receipt and tracking

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await statusPage(request, context: context)
    }

    @Sendable func tracking(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await trackingPage(request, context: context)
    }

    /// The reporter adds information from the tracking page; the handlers are notified by mail.
    @Sendable func addInformation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let values = try await Self.readForm(request, limit: services.configuration.maxBodyBytes)
        guard FormGuard.isSameSite(request.headers, host: request.head.authority, publicURL: services.configuration.publicURL) else {
            let language = Language(parameter: values["lang"]?.first)
            return refusalPage(status: .forbidden, language: language, message: LocalizedText(
                sv: "Det du skrev skickades från en annan webbplats än vår, och därför tog vi inte emot det. Öppna länken till din rapport och skriv där.",
                en: "What you wrote was sent from another website than ours, so we did not accept it. Open the link to your report and write there."))
        }
        let text = values["information"]?.first ?? ""
        do {
            try await services.triage.reporterAdds(token: token, text: text, now: services.clock(),
                                                   confirmedNotNames: ReportForm.confirmedNotNames(values))
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            guard case .refused(let refusal) = error else { throw AppError.notFound }
            var names: [String] = []
            if case .possibleNames(_, let words) = refusal { names = words }
            return try await trackingPage(request, context: context, language: Language(parameter: values["lang"]?.first),
                                          error: refusal.message, text: text, unconfirmedNames: names, status: .unprocessableContent)
        }
        context.logger.info("reporter added information")
        let language = Language(parameter: values["lang"]?.first)
        return Response(status: .seeOther, headers: [.location: "/arende/\(token)?tillagd=1" + language.queryContinuation])
    }

    /// What the reporter sees at the secret link: state, dates, replies, what it led to, and a
    /// form to add information. Unknown and malformed tokens get the same 404.
    private func trackingPage(_ request: Request, context: AppRequestContext, language chosen: Language? = nil,
                              error: LocalizedText? = nil, text: String = "", unconfirmedNames: [String] = [],
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let view = try await services.cases.tracking(token: token, reports: services.reports) else { throw AppError.notFound }
        let report = view.receipt
        let language = chosen ?? (request.uri.queryParameters["lang"] != nil ? Self.language(request) : report.language)
        let lifecycle = catalogue.lifecycle
        let state = lifecycle.state(report.stateKey)
        let title = (error == nil ? "" : (language == .sv ? "Fel: " : "Error: ")) + (language == .sv ? "Din rapport \(report.reference)" : "Your report \(report.reference)")
        var page = PageContext.base(language: language, title: title, path: "/arende/\(token)")
        fillStatus(&page, report: report, language: language)
        page["tracking"] = true
        let isOpen = state?.isOpen ?? true
        page["isOpen"] = isOpen
        if !isOpen, let closedAt = view.closedAt { page["closedDate"] = CalendarDay(closedAt).formatted(language) }
        page["updatedDate"] = CalendarDay(view.updatedAt).formatted(language)
        page["steps"] = Self.timeline(view, catalogue: catalogue, language: language)
        // What the report led to comes first: the final message of the closing, and the published outcome.
        let closing = view.closingMessage
        if let closing {
            page["closingMessage"] = ["date": CalendarDay(closing.createdAt).formatted(language), "body": closing.body]
        }
        if let outcome = view.publishedOutcome { page["outcome"] = outcome }
        page["hasResult"] = closing != nil || view.publishedOutcome != nil
        let messages = view.messages.filter { $0.id != closing?.id }
        page["messages"] = messages.map { message -> [String: Any] in
            ["fromReporter": message.kind == .reporter, "date": CalendarDay(message.createdAt).formatted(language), "body": message.body]
        }
        page["hasMessages"] = !messages.isEmpty
        page["action"] = "/arende/\(token)"
        page["information"] = text
        page["confirmNames"] = unconfirmedNames.enumerated().map { ["word": $1, "confirmId": "f-information-inte-namn-\($0)"] }
        page["added"] = request.uri.queryParameters["tillagd"] != nil && error == nil
        if let error {
            page["error"] = error[language]
            page["hasErrors"] = true
        }
        return services.renderer.page("pages/receipt", page, status: status)
    }

    /// The steps as the reporter reads them, oldest first: each state the report went through and
    /// each escalation, with its day; the last one is where the report is now. An open report
    /// ends with the feedback still to come.
    static func timeline(_ view: TrackingView, catalogue: Catalogue, language: Language) -> [[String: Any]] {
        let region = catalogue.region(view.receipt.regionKey)
        var steps: [(at: Date, order: Int, item: [String: Any])] = []
        // Reports written without a history (bulk-loaded demo data): received, then where it is now.
        var history = view.stateHistory
        if history.isEmpty {
            let initial = catalogue.lifecycle.initialKey
            history = [(view.receipt.receivedAt, initial)]
            if view.receipt.stateKey != initial { history.append((view.closedAt ?? view.updatedAt, view.receipt.stateKey)) }
        }
        for (index, entry) in history.enumerated() {
            let state = catalogue.lifecycle.state(entry.stateKey)
            steps.append((entry.at, index, ["name": state?.name[language] ?? entry.stateKey, "date": CalendarDay(entry.at).formatted(language)]))
        }
        for (index, step) in view.escalations.enumerated() {
            let level = region?.escalation.first { $0.key == step.levelKey }?.name[language] ?? step.levelKey
            let name = language == .sv ? "Lyft till \(level)" : "Raised to \(level)"
            steps.append((step.at, history.count + index, ["name": name, "date": CalendarDay(step.at).formatted(language), "text": step.publicText]))
        }
        steps.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        var items = steps.map(\.item)
        if !items.isEmpty { items[items.count - 1]["current"] = true }
        if catalogue.lifecycle.state(view.receipt.stateKey)?.isOpen ?? true {
            items.append(["name": language == .sv ? "Återkoppling till dig" : "Feedback to you",
                          "date": (language == .sv ? "senast " : "by ") + view.receipt.feedbackDueOn.formatted(language), "upcoming": true])
        }
        return items
    }

    private func fillStatus(_ page: inout [String: Any], report: ReportReceipt, language: Language) {
        let agreement = report.agreementKey.flatMap(catalogue.agreement)
        let state = catalogue.lifecycle.state(report.stateKey)
        page["reference"] = report.reference
        page["agreement"] = agreement.map { $0.name[language] } ?? ""
        page["hasAgreement"] = agreement != nil
        page["functions"] = report.routes.compactMap { catalogue.function($0.functionKey) }.map { ["name": $0.name[language]] }
        page["triage"] = report.routes.contains(where: \.isTriage)
        page["feedbackDate"] = report.feedbackDueOn.formatted(language)
        page["receivedDate"] = CalendarDay(report.receivedAt).formatted(language)
        page["stateName"] = state?.name[language] ?? report.stateKey
        page["stateDescription"] = state?.description[language] ?? ""
        page["hasEmail"] = report.hasEmail
        page["homeHref"] = "/" + language.query
    }

    private func statusPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let report = try await services.reports.receipt(token: token) else { throw AppError.notFound }
        let language = request.uri.queryParameters["lang"] != nil ? Self.language(request) : report.language
        let title = language == .sv ? "Tack! Vi har tagit emot din rapport" : "Thank you! We have received your report"
        var page = PageContext.base(language: language, title: title, path: "/kvitto/\(token)")
        fillStatus(&page, report: report, language: language)
        page["tracking"] = false
        page["trackingHref"] = "/arende/\(token)" + language.query
        // The whole address, to copy, bookmark or print: without an e-mail address it is the only way to the feedback.
        page["trackingURL"] = services.configuration.publicURL + "/arende/\(token)" + language.query
        return services.renderer.page("pages/receipt", page)
    }
}

/// How one form field is shown: its type decides the control, its state the error and values.
enum FieldView {
    static func model(_ field: FieldDefinition, name: String, language: Language, values: FormValues, error: String?, parties: [Party],
                      unconfirmedNames: [String] = []) -> [String: Any] {
        let id = "f-\(name)"
        let submitted = values[name] ?? []
        var model: [String: Any] = [
            "id": id, "name": name, "label": field.label[language], "required": field.required,
            "value": submitted.first ?? "",
        ]
        var describedBy: [String] = []
        if let help = field.help?[language] {
            model["help"] = help
            model["helpId"] = "\(id)-help"
            describedBy.append("\(id)-help")
        }
        if let error {
            model["error"] = error
            model["errorId"] = "\(id)-error"
            describedBy.append("\(id)-error")
        }
        model["describedBy"] = describedBy.joined(separator: " ")
        // "Är ”Karin” namnet på en person?": one checkbox per word to confirm it is not.
        model["confirmNames"] = unconfirmedNames.enumerated().map { index, word in
            ["word": word, "confirmId": "\(id)-inte-namn-\(index)"]
        }
        if let max = field.maxLength ?? (field.type == .textarea || field.type == .text ? field.effectiveMaxLength : nil) {
            model["maxLength"] = max
        }
        func options(_ list: [(key: String, label: String)]) -> [[String: Any]] {
            list.enumerated().map { index, option in
                ["value": option.key, "label": option.label, "id": "\(id)-\(index)", "checked": submitted.contains(option.key)]
            }
        }
        switch field.type {
        case .text:
            model["isInput"] = true
            switch name {
            case CommonField.reporterEmail.rawValue: model["inputType"] = "email"; model["autocomplete"] = "email"
            case CommonField.reporterPhone.rawValue: model["inputType"] = "tel"; model["autocomplete"] = "tel"
            case CommonField.reporterName.rawValue: model["inputType"] = "text"; model["autocomplete"] = "name"
            case CommonField.reporterRole.rawValue: model["inputType"] = "text"; model["autocomplete"] = "organization-title"
            default: model["inputType"] = "text"
            }
        case .textarea:
            model["isTextarea"] = true
        case .date:
            model["isInput"] = true
            model["inputType"] = "date"
        case .party:
            model["isSelect"] = true
            model["options"] = options(parties.map { ($0.key, $0.name) })
        case .parties:
            // Compact: the region and the municipalities' association are shown, the
            // municipalities sit in a disclosure (<details>) that is open when one of them is
            // chosen. Works without JavaScript; several parties can still be chosen.
            let all = options(parties.map { ($0.key, $0.name) })
            let isMunicipality = parties.map { $0.kind == .municipality }
            let main = zip(all, isMunicipality).filter { !$0.1 }.map(\.0)
            let group = zip(all, isMunicipality).filter { $0.1 }.map(\.0)
            let chosenInGroup = group.filter { $0["checked"] as? Bool == true }.count
            model["isPartyGroups"] = true
            model["mainOptions"] = main
            model["groupOptions"] = group
            model["hasGroup"] = !group.isEmpty
            model["groupCount"] = group.count
            model["groupChosen"] = chosenInGroup
            model["groupOpen"] = chosenInGroup > 0
        case .singleChoice, .yesNo:
            model["isRadios"] = true
            model["options"] = options(field.choices(in: language))
        case .multiChoice:
            model["isCheckboxes"] = true
            model["options"] = options(field.choices(in: language))
        }
        return model
    }
}
