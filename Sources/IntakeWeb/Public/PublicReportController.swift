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
        let page = HomePage(regions: catalogue.regions.map { region in
            NamedLink(name: region.name[language], href: "/rapportera/\(region.key)" + language.query)
        })
        return services.renderer.page(page, layout: Layout(language: language, title: PublicTexts.reportTitle[language], path: "/"))
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
                return await chooseAgreementPage(region: region, language: language, search: search, error: PublicTexts.agreementNotChosen,
                                                 status: .unprocessableContent, place: place)
            }
            return await chooseAgreementPage(region: region, language: language, search: search, error: nil, place: place)
        }
        guard let resolved = resolveAgreement(choice, region: region) else {
            return await chooseAgreementPage(region: region, language: language, search: search, error: PublicTexts.agreementNotInList,
                                             status: .unprocessableContent, place: place)
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
        let path = "\(place.basePath)/\(region.key)"
        func option(_ agreement: Agreement, matched: [String] = []) -> ChooseAgreementPage.Option {
            ChooseAgreementPage.Option(key: agreement.key, id: "avtal-\(agreement.key)", name: agreement.name[language], summary: agreement.summary[language],
                                       matched: matched.prefix(5).joined(separator: ", "), hasMatched: !matched.isEmpty)
        }
        var suggestions: [ChooseAgreementPage.Option]?
        var others: [ChooseAgreementPage.Option]?
        var groups: [ChooseAgreementPage.Group]?
        let firstId: String?
        if let search {
            let ranked = await services.finder.finder(region: region.key, now: services.clock()).rank(search.text)
            let suggested = AgreementFinder.suggestions(ranked)
            let keys = Set(suggested.map(\.agreement.key))
            suggestions = suggested.map { option($0.agreement, matched: $0.matchedWords) }
            others = ranked.filter { !keys.contains($0.agreement.key) }.map { option($0.agreement) }
            firstId = ranked.first.map { "avtal-\($0.agreement.key)" }
        } else {
            let grouped = catalogue.agreementsByTargetGroup(region: region.key, on: today)
            groups = grouped.map { group, agreements in
                ChooseAgreementPage.Group(name: group.name[language], agreements: agreements.map { option($0) })
            }
            firstId = grouped.first?.1.first.map { "avtal-\($0.key)" }
        }
        let suggestionCount = suggestions?.count ?? 0
        let page = ChooseAgreementPage(
            regionName: region.name[language], action: path, homeHref: place.homePath + language.query,
            searchField: Self.searchField, continueField: Self.continueField, searchMaxLength: FinderQuery.maximumCharacters,
            unknownKey: Self.unknownAgreementKey,
            searched: search != nil, searchText: search?.text, searchShortened: search?.wasShortened ?? false,
            hasSuggestions: suggestionCount > 0, suggestionCount: search == nil ? nil : suggestionCount, oneSuggestion: suggestionCount == 1,
            suggestions: suggestions, others: others, clearHref: search == nil ? nil : path + language.query,
            groups: groups,
            hasErrors: error != nil, errorMessage: error?[language],
            errorHref: error == nil ? nil : "#" + (firstId ?? "avtal-\(Self.unknownAgreementKey)"))
        var extraQuery: [(String, String)] = []
        if let search { extraQuery.append((Self.searchField, search.text)) }
        let title = Layout.title(PublicTexts.chooseAgreementTitle[language], error: error != nil, language)
        return services.renderer.page(page, layout: place.layout(language: language, title: title, path: path, extraQuery: extraQuery), status: status)
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
        let path = "\(place.basePath)/\(region.key)"
        let errorByField = Dictionary(errors.map { ($0.fieldKey, $0.message[language]) }, uniquingKeysWith: { a, _ in a })
        let namesByField = Dictionary(errors.map { ($0.fieldKey, $0.unconfirmedNames) }, uniquingKeysWith: { a, _ in a })
        let parties = region.parties
        func field(_ field: FieldDefinition, name: String) -> FormField {
            FieldView.model(field, name: name, language: language, values: values, error: errorByField[name], parties: parties,
                            unconfirmedNames: namesByField[name] ?? [])
        }
        let contactKeys = ReportForm.contactFields
        let ordered = form.inPageOrder(errors)
        let page = ReportFormPage(
            phone: place.isPhone, homeHref: place.homePath + language.query, regionName: region.name[language], action: path,
            agreementKey: agreementKey,
            agreementName: form.agreement.map { $0.name[language] } ?? PublicTexts.unknownAgreementName[language],
            agreementSummary: form.agreement.map { $0.summary[language] } ?? PublicTexts.unknownAgreementSummary[language],
            changeHref: path + language.query, retentionDays: services.configuration.contactRetentionDays,
            hasErrors: !errors.isEmpty, errorCount: ordered.count, oneError: ordered.count == 1,
            errors: ordered.map { ReportFormPage.ErrorLink(href: "#f-\($0.fieldKey)", message: $0.message[language]) },
            guarded: fillTimeToken != nil, fillTimeField: fillTimeToken.map { _ in FormGuard.fillTimeField }, fillTimeToken: fillTimeToken,
            honeypotField: fillTimeToken.map { _ in FormGuard.honeypotField },
            confirmedNotNames: Array(ReportForm.confirmedNotNames(values).sorted().prefix(50)),
            eventFields: ReportForm.eventFields.map { field(form.catalogue.form.field($0), name: $0.rawValue) },
            extraFields: form.extraFields.map { field($0, name: ReportForm.extraFieldName($0.key)) },
            hasExtraFields: !form.extraFields.isEmpty,
            contactFields: contactKeys.map { field(form.catalogue.form.field($0), name: $0.rawValue) },
            contactOpen: contactKeys.contains { key in
                errorByField[key.rawValue] != nil || !(values[key.rawValue]?.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty
            })
        let title = Layout.title(place.title[language], error: !errors.isEmpty, language)
        let layout = place.layout(language: language, title: title, path: path, extraQuery: [("avtal", agreementKey)])
        return services.renderer.page(page, layout: layout, status: status)
    }

    // MARK: where the form is shown

    /// Where the agreement choice and the report form are shown: the public pages, or the staff
    /// pages where a handläggare registers a report for someone who phoned. Same form, same checks.
    struct FormPlace {
        /// `/rapportera` or `/handlaggning/telefon`; the region key follows.
        var basePath = "/rapportera"
        /// Where the breadcrumb's first link goes.
        var homePath = "/"
        /// The report form's title.
        var title = PublicTexts.reportTitle
        /// The staff layout's navigation user and the session's CSRF token; nil on the public form.
        var staff: Layout.StaffBar?
        var csrf: String?

        static var publicForm: FormPlace { FormPlace() }

        var isPhone: Bool { staff != nil }

        func layout(language: Language, title: String, path: String, extraQuery: [(String, String)] = []) -> Layout {
            var layout = Layout(language: language, title: title, path: path, extraQuery: extraQuery)
            layout.staff = staff
            layout.csrf = csrf
            return layout
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
            return refusalPage(status: .forbidden, language: language, message: PublicTexts.crossSiteReport,
                               link: (href: "/rapportera/\(region.key)" + language.query, text: PublicTexts.toTheForm))
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
            return refusalPage(status: .badRequest, language: language, message: PublicTexts.automatedReport,
                               link: (href: "/rapportera/\(region.key)" + language.query, text: PublicTexts.toTheForm),
                               title: PublicTexts.automatedTitle)
        }
        // A person who has to correct something gets the attempt back.
        func giveBack() { rateLimiter.release(client, at: now) }
        // The time counts from when the form was first shown, also across corrections.
        // Only needed when the form comes back; a filed report does not sign anything.
        var fillTimeToken: String { shownAt.map { FormGuard.fillTimeToken(shownAt: $0, key: services.signingKey) } ?? newFillTimeToken() }

        guard values["avtal"]?.count == 1, let choice = values["avtal"]?.first, let resolved = resolveAgreement(choice, region: region) else {
            giveBack()
            services.metrics.reportRefused()
            return await chooseAgreementPage(region: region, language: language, error: PublicTexts.agreementGone, status: .unprocessableContent)
        }
        let form = ReportForm(catalogue: catalogue, region: region, agreement: resolved.agreement)
        if verdict == .tooFast {
            giveBack()
            services.metrics.reportRefused()
            context.logger.info("report refused: sent too soon after the form was shown")
            return reportFormPage(form, language: language, values: values, errors: [FieldError(fieldKey: "skicka", message: PublicTexts.sentTooFast)],
                                  fillTimeToken: fillTimeToken, status: .unprocessableContent)
        }
        if verdict == .expired {
            giveBack()
            services.metrics.reportRefused()
            context.logger.info("report refused: the form was shown more than a day ago")
            // The new token counts the minimum fill time as spent: the person filled the form
            // in long ago and may send it again at once.
            let renewed = FormGuard.fillTimeToken(shownAt: now.addingTimeInterval(-Double(configuration.minFillSeconds)), key: services.signingKey)
            return reportFormPage(form, language: language, values: values, errors: [FieldError(fieldKey: "skicka", message: PublicTexts.formExpired)],
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
        return refusalPage(status: .tooManyRequests, language: language,
                           message: PublicTexts.rateLimited(limit: limit, clock: clock, clockEnglish: clockEnglish, minutes: minutes),
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
            throw AppError.malformedForm(.invalidEncoding)
        }
        do {
            return try FormBody.parse(buffer.readableBytesView)
        } catch {
            throw AppError.malformedForm(.invalidEncoding)
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
            return refusalPage(status: .forbidden, language: language, message: PublicTexts.crossSiteInformation)
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
        return Response(status: .seeOther, headers: [.location: SitePaths.tracking(token) + "?tillagd=1" + language.queryContinuation])
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
        let title = Layout.title(PublicTexts.trackingTitle(reference: report.reference)[language], error: error != nil, language)
        let page = receiptPage(report, language: language, token: token, tracking: (
            view: view, added: request.uri.queryParameters["tillagd"] != nil && error == nil, error: error,
            text: text, unconfirmedNames: unconfirmedNames))
        return services.renderer.page(page, layout: Layout(language: language, title: title, path: SitePaths.tracking(token)), status: status)
    }

    /// The receipt after filing, or with `tracking` the reporter's tracking page: the state, the
    /// timeline, replies, what the report led to, and the form to add information (with its error).
    private func receiptPage(_ report: ReportReceipt, language: Language, token: String,
                             tracking: (view: TrackingView, added: Bool, error: LocalizedText?, text: String, unconfirmedNames: [String])?) -> ReceiptPage {
        let agreement = report.agreementKey.flatMap(catalogue.agreement)
        let state = catalogue.lifecycle.state(report.stateKey)
        let view = tracking?.view
        let isOpen = state?.isOpen ?? true
        // What the report led to comes first: the final message of the closing, and the published outcome.
        let closing = view?.closingMessage
        let messages = view?.messages.filter { $0.id != closing?.id } ?? []
        return ReceiptPage(
            tracking: tracking != nil,
            reference: report.reference,
            agreement: agreement.map { $0.name[language] } ?? "",
            hasAgreement: agreement != nil,
            functions: report.routes.compactMap { catalogue.function($0.functionKey) }.map { NameItem(name: $0.name[language]) },
            triage: report.routes.contains(where: \.isTriage),
            feedbackDate: report.feedbackDueOn.formatted(language),
            receivedDate: CalendarDay(report.receivedAt).formatted(language),
            stateName: state?.name[language] ?? report.stateKey,
            stateDescription: state.map { $0.description[language] }.flatMap { $0.isEmpty ? nil : $0 },
            hasEmail: report.hasEmail,
            homeHref: "/" + language.query,
            trackingHref: tracking == nil ? SitePaths.tracking(token) + language.query : nil,
            // The whole address, to copy, bookmark or print: without an e-mail address it is the only way to the feedback.
            trackingURL: tracking == nil ? services.configuration.publicURL + SitePaths.tracking(token) + language.query : nil,
            isOpen: isOpen,
            closedDate: isOpen ? nil : view?.closedAt.map { CalendarDay($0).formatted(language) },
            steps: view.map { Self.timeline($0, catalogue: catalogue, language: language) } ?? [],
            closingMessage: closing.map {
                ReceiptPage.Message(fromReporter: false, date: CalendarDay($0.createdAt).formatted(language), body: $0.body)
            },
            outcome: view?.publishedOutcome,
            hasResult: closing != nil || view?.publishedOutcome != nil,
            messages: messages.map {
                ReceiptPage.Message(fromReporter: $0.kind == .reporter, date: CalendarDay($0.createdAt).formatted(language), body: $0.body)
            },
            hasMessages: !messages.isEmpty,
            action: tracking == nil ? nil : SitePaths.tracking(token),
            information: tracking?.text,
            confirmNames: ConfirmName.list(tracking?.unconfirmedNames ?? [], idPrefix: "f-information"),
            added: tracking?.added ?? false,
            hasErrors: tracking?.error != nil,
            error: tracking?.error?[language])
    }

    /// The steps as the reporter reads them, oldest first: each state the report went through and
    /// each escalation, with its day; the last one is where the report is now. An open report
    /// ends with the feedback still to come.
    static func timeline(_ view: TrackingView, catalogue: Catalogue, language: Language) -> [ReceiptPage.Step] {
        let region = catalogue.region(view.receipt.regionKey)
        var steps: [(at: Date, order: Int, name: String, text: String?)] = []
        // Reports written without a history (bulk-loaded demo data): received, then where it is now.
        var history = view.stateHistory
        if history.isEmpty {
            let initial = catalogue.lifecycle.initialKey
            history = [(view.receipt.receivedAt, initial)]
            if view.receipt.stateKey != initial { history.append((view.closedAt ?? view.updatedAt, view.receipt.stateKey)) }
        }
        for (index, entry) in history.enumerated() {
            let state = catalogue.lifecycle.state(entry.stateKey)
            steps.append((entry.at, index, state?.name[language] ?? entry.stateKey, nil))
        }
        for (index, step) in view.escalations.enumerated() {
            let level = region?.escalation.first { $0.key == step.levelKey }?.name[language] ?? step.levelKey
            steps.append((step.at, history.count + index, PublicTexts.raisedTo(level)[language], step.publicText))
        }
        steps.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        var items = steps.enumerated().map { index, step in
            ReceiptPage.Step(name: step.name, date: CalendarDay(step.at).formatted(language), text: step.text,
                             current: index == steps.count - 1, upcoming: false)
        }
        if catalogue.lifecycle.state(view.receipt.stateKey)?.isOpen ?? true {
            items.append(ReceiptPage.Step(name: PublicTexts.feedbackStep[language],
                                          date: PublicTexts.feedbackByPrefix[language] + view.receipt.feedbackDueOn.formatted(language),
                                          text: nil, current: false, upcoming: true))
        }
        return items
    }

    private func statusPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let report = try await services.reports.receipt(token: token) else { throw AppError.notFound }
        let language = request.uri.queryParameters["lang"] != nil ? Self.language(request) : report.language
        let page = receiptPage(report, language: language, token: token, tracking: nil)
        return services.renderer.page(page, layout: Layout(language: language, title: PublicTexts.receiptTitle[language], path: "/kvitto/\(token)"))
    }
}

/// How one form field is shown: its type decides the control, its state the error and values.
enum FieldView {
    static func model(_ field: FieldDefinition, name: String, language: Language, values: FormValues, error: String?, parties: [Party],
                      unconfirmedNames: [String] = []) -> FormField {
        let id = "f-\(name)"
        let submitted = values[name] ?? []
        let help = field.help?[language]
        let describedBy = [help.map { _ in "\(id)-help" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        func options(_ list: [(key: String, label: String)]) -> [FormField.Option] {
            list.enumerated().map { index, option in
                FormField.Option(value: option.key, label: option.label, id: "\(id)-\(index)", checked: submitted.contains(option.key))
            }
        }
        var input: (type: String, autocomplete: String?)?
        var choices: [FormField.Option]?
        var main: [FormField.Option]?
        var group: [FormField.Option]?
        switch field.type {
        case .text:
            switch name {
            case CommonField.reporterEmail.rawValue: input = ("email", "email")
            case CommonField.reporterPhone.rawValue: input = ("tel", "tel")
            case CommonField.reporterName.rawValue: input = ("text", "name")
            case CommonField.reporterRole.rawValue: input = ("text", "organization-title")
            default: input = ("text", nil)
            }
        case .textarea: break
        case .date: input = ("date", nil)
        case .party: choices = options(parties.map { ($0.key, $0.name) })
        case .parties:
            // Compact: the region and the municipalities' association are shown, the
            // municipalities sit in a disclosure (<details>) that is open when one of them is
            // chosen. Works without JavaScript; several parties can still be chosen.
            let all = options(parties.map { ($0.key, $0.name) })
            let isMunicipality = parties.map { $0.kind == .municipality }
            main = zip(all, isMunicipality).filter { !$0.1 }.map(\.0)
            group = zip(all, isMunicipality).filter { $0.1 }.map(\.0)
        case .singleChoice, .yesNo, .multiChoice: choices = options(field.choices(in: language))
        }
        let chosenInGroup = group?.filter(\.checked).count
        return FormField(
            id: id, name: name, label: field.label[language], required: field.required, value: submitted.first ?? "",
            help: help, helpId: help.map { _ in "\(id)-help" },
            error: error, errorId: error.map { _ in "\(id)-error" },
            describedBy: describedBy.joined(separator: " "),
            // "Är ”Karin” namnet på en person?": one checkbox per word to confirm it is not.
            confirmNames: ConfirmName.list(unconfirmedNames, idPrefix: id),
            maxLength: field.maxLength ?? (field.type == .textarea || field.type == .text ? field.effectiveMaxLength : nil),
            isInput: input != nil, inputType: input?.type, autocomplete: input?.autocomplete,
            isTextarea: field.type == .textarea, isSelect: field.type == .party,
            isRadios: field.type == .singleChoice || field.type == .yesNo, isCheckboxes: field.type == .multiChoice,
            options: choices,
            isPartyGroups: field.type == .parties, mainOptions: main, groupOptions: group,
            hasGroup: group.map { !$0.isEmpty } ?? false, groupCount: group?.count, groupChosen: chosenInGroup.flatMap { $0 > 0 ? $0 : nil }, groupChosenOne: chosenInGroup == 1,
            groupOpen: (chosenInGroup ?? 0) > 0)
    }
}
