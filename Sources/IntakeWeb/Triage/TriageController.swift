import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore

/// The owning functions' daily work: start page, queues, the report page and its actions.
struct TriageController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        let csrf = CSRFMiddleware(services: services)
        router.group("/handlaggning")
            .add(middleware: RequireStaffMiddleware(roles: Set(StaffRole.allCases)))
            .get(use: home)
        let work = router.group("/handlaggning")
            .add(middleware: RequireStaffMiddleware(roles: [.admin, .handlaggare]))
            .add(middleware: csrf)
        work.get("ko/:function", reads: .init(query: ["status", "avtal", "part", "fran", "till", "handlaggare", "forsenad", "sortera", "ordning", "sida", "klart"]), use: queue)
        work.get("rapporter/:id", reads: .init(query: ["klart"]), use: report)
        for action in Action.allCases {
            work.post(RouterPath("rapporter/:id/\(action.rawValue)"), reads: .init(form: ["csrf"] + action.formFields)) { request, context in
                try await perform(action, request: request, context: context)
            }
        }
    }

    private var catalogue: Catalogue { services.catalogue }
    private var now: Date { services.clock() }
    var today: CalendarDay { CalendarDay(services.clock()) }

    static func user(_ context: AppRequestContext) throws -> StaffUser {
        guard let user = context.staffSession?.user else { throw AppError.forbidden }
        return user
    }

    // MARK: start page

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try Self.user(context)
        let language = PublicReportController.language(request)
        var queues: (functions: [OwningFunction], counts: [String: (open: Int, overdue: Int, unassigned: Int)])?
        var aggregates: [(agreementKey: String?, stateKey: String, count: Int)] = []
        if AccessPolicy.canWorkWithReports(user) {
            let functions = catalogue.allFunctions.filter { AccessPolicy.canSeeQueue(of: $0.key, by: user) }
            queues = (functions, try await services.cases.functionCounts(functions.map(\.key), today: today))
        } else {
            // Analysts: aggregates only, never report content or contact data.
            aggregates = try await services.cases.countsByAgreementAndState()
        }
        let page = staffHomePage(language: language, notice: StaffPage.notice(request, language: language), queues: queues, aggregates: aggregates)
        let layout = StaffPage.layout(request, context: context, title: TriageTexts.homeTitle[language], path: "/handlaggning")
        return services.renderer.page(page, layout: layout)
    }

    // MARK: queue

    @Sendable func queue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try Self.user(context)
        let language = PublicReportController.language(request)
        guard let function = catalogue.function(context.parameters.get("function") ?? "") else { throw AppError.notFound }
        guard AccessPolicy.canSeeQueue(of: function.key, by: user) else { throw AppError.forbidden }
        guard let region = catalogue.region(function.regionKey) else { throw AppError.notFound }
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        var filter = QueueFilter(functionKey: function.key)
        // A queue opens on the open reports; `status=alla` shows closed ones too.
        filter.stateKey = value("status").flatMap { catalogue.lifecycle.state($0)?.key }
        let showAll = value("status") == "alla"
        filter.openOnly = filter.stateKey == nil && !showAll
        filter.agreementKey = value("avtal").flatMap { $0 == "ingen" ? "" : catalogue.agreement($0)?.key }
        filter.partyKey = value("part").flatMap { catalogue.party($0)?.key }
        filter.channel = value("kanal").flatMap(ReportChannel.init(key:))
        filter.from = value("fran").flatMap(CalendarDay.init(iso:))
        filter.to = value("till").flatMap(CalendarDay.init(iso:))
        switch value("handlaggare") {
        case "ingen": filter.assigned = .nobody
        case "jag": filter.assigned = .user(user.id)
        case let id?: filter.assigned = BoundedNumber.id(id).map { .user($0) } ?? .anyone
        case nil: filter.assigned = .anyone
        }
        filter.overdueOnly = value("forsenad") == "1"
        filter.sort = value("sortera").flatMap(QueueFilter.Sort.init(rawValue:)) ?? .received
        filter.descending = value("ordning") != "stigande"
        filter.paging = PageRequest(pageText: value("sida"), size: 25)

        let result = try await services.cases.queue(filter, today: today)
        let handlers = try await services.staff.handlers(inFunctions: [function.key])
        let base = "/handlaggning/ko/\(function.key)"
        // Paging keeps every filter.
        var keep = query.filter { $0.key != "sida" && $0.key != "klart" }.map { (String($0.key), String($0.value)) }
        keep.sort { $0.0 < $1.0 }
        let page = queuePage(language: language, function: function, region: region, filter: filter, showAll: showAll,
                             assignedChoice: value("handlaggare"), result: result, handlers: handlers, keep: keep)
        return services.renderer.page(page, layout: StaffPage.layout(request, context: context, title: function.name[language], path: base))
    }

    // MARK: report page

    /// The report if the user may see it; otherwise 404, the same as for a report that does not exist.
    func visibleDetail(_ context: AppRequestContext, user: StaffUser) async throws -> CaseDetail {
        guard let id = BoundedNumber.id(context.parameters.get("id")),
              let functions = try await services.cases.activeFunctions(reportId: id),
              AccessPolicy.canSee(reportRoutedTo: functions, by: user),
              let detail = try await services.cases.detail(id: id, includeContact: AccessPolicy.canWorkWithReports(user))
        else { throw AppError.notFound }
        return detail
    }

    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try Self.user(context)
        let detail = try await visibleDetail(context, user: user)
        return try await reportPage(request, context: context, detail: detail, user: user, error: nil)
    }

    func reportPage(_ request: Request, context: AppRequestContext, detail: CaseDetail, user: StaffUser, error: (action: Action, message: LocalizedText)?,
                    kept: [String: String] = [:], retry: (text: String, names: [String])? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = PublicReportController.language(request)
        let summary = detail.summary
        let handlers = try await services.staff.handlers(inFunctions: detail.activeFunctionKeys)
        var suggestions: [AgreementMatch] = []
        if summary.agreementKey == nil {
            // Filed as "Vet inte": the agreement finder suggests where it belongs, one click to reclassify.
            let text = [detail.facts.whatHappened, detail.facts.expected, detail.facts.consequences ?? "", detail.facts.improvement ?? ""]
                .joined(separator: "\n")
            let finder = await services.finder.finder(region: summary.regionKey, now: now)
            suggestions = AgreementFinder.suggestions(finder.rank(text))
        }
        let outcome = try await services.cases.outcome(reportId: summary.id)
        let page = casePage(language: language, notice: StaffPage.notice(request, language: language), detail: detail, error: error,
                            kept: kept, retry: retry, handlers: handlers, suggestions: suggestions, outcome: outcome)
        let title = Layout.title(summary.reference, error: error != nil, language)
        let layout = StaffPage.layout(request, context: context, title: title, path: StaffPage.reportPath(summary.id))
        return services.renderer.page(page, layout: layout, status: status)
    }

    /// One line of "what happened" for a queue row: whitespace collapsed, cut at a word near 90 characters.
    static func excerpt(_ text: String, limit: Int = 90) -> String {
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard line.count > limit else { return line }
        let cut = line.prefix(limit)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: .punctuationCharacters.union(.whitespaces)) + "…"
    }

    static func timestamp(_ date: Date) -> String {
        let calendar = CalendarDay.swedishCalendar
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// A history value as a person reads it: names instead of catalogue keys.
    func describeValue(_ value: String?, action: AuditAction, region: Region?, language: Language) -> String {
        AuditText(catalogue: catalogue).value(value, action: action, region: region, language: language)
    }

    // MARK: actions

    enum Action: String, CaseIterable, Sendable {
        case status, svar, anteckning, tilldela, klassificera, eskalera, koppla, systemfel, utfall
        var key: String { rawValue }

        /// The form fields `perform` reads for this action.
        var formFields: [String] {
            switch self {
            case .status: ["status", "meddelande", ReportForm.confirmedNotNamesField]
            case .svar, .anteckning: ["text", ReportForm.confirmedNotNamesField]
            case .tilldela: ["handlaggare"]
            case .klassificera: ["avtal"]
            case .eskalera: ["orsak", "besked", "bekrafta"]
            case .koppla: ["referens"]
            case .systemfel: ["systemfel"]
            case .utfall: ["utfall", "publicera", ReportForm.confirmedNotNamesField]
            }
        }
    }

    func perform(_ action: Action, request: Request, context: AppRequestContext) async throws -> Response {
        let user = try Self.user(context)
        guard let id = BoundedNumber.id(context.parameters.get("id")) else { throw AppError.notFound }
        let form = context.form
        let text = form["text"]?.first ?? ""
        let now = now
        let triage = services.triage
        let confirmed = ReportForm.confirmedNotNames(form)
        var message = action.rawValue
        do throws(ServiceError) {
            switch action {
            case .status: try await triage.changeState(id, to: form["status"]?.first ?? "", message: form["meddelande"]?.first, by: user, now: now,
                                                       confirmedNotNames: confirmed)
            case .svar: try await triage.reply(id, text: text, by: user, now: now, confirmedNotNames: confirmed)
            case .anteckning: try await triage.addNote(id, text: text, by: user, now: now, confirmedNotNames: confirmed)
            case .tilldela:
                let raw = form["handlaggare"]?.first ?? ""
                try await triage.assign(id, to: raw.isEmpty ? nil : BoundedNumber.id(raw) ?? -1, by: user, now: now)
            case .klassificera:
                try await triage.reclassify(id, to: form["avtal"]?.first ?? "", by: user, now: now)
                services.finder.invalidate()
            case .eskalera:
                try await triage.escalate(id, reason: form["orsak"]?.first ?? "", publicText: form["besked"]?.first ?? "",
                                          confirmed: form["bekrafta"]?.first == "1", by: user, now: now)
            case .koppla: try await triage.link(id, toReference: form["referens"]?.first ?? "", by: user, now: now)
            case .systemfel: try await triage.setSystemfel(id, form["systemfel"]?.first == "1", by: user, now: now)
            case .utfall: try await triage.setOutcome(id, text: form["utfall"]?.first ?? "", publishable: form["publicera"]?.first == "1", by: user, now: now, confirmedNotNames: confirmed)
            }
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            guard case .refused(let refusal) = error else { throw error == .forbidden ? AppError.forbidden : AppError.notFound }
            let detail = try await visibleDetail(context, user: user)
            context.logger.info("triage action refused", metadata: ["action": .string(action.rawValue)])
            // What was typed comes back with the error, so nothing written is lost: the state,
            // escalation and link fields as they were sent (`kept`), a reply, note or outcome as its
            // text (`retry`), with a checkbox per word when the refusal asks about lone first names.
            let kept = Dictionary(action.formFields.compactMap { name in form[name]?.first.map { (name, $0) } }, uniquingKeysWith: { first, _ in first })
            let names: [String] = if case .possibleNames(_, let words) = refusal { words } else { [] }
            let retry: (text: String, names: [String])? = switch action {
            case .svar, .anteckning: (text, names)
            case .utfall: (form["utfall"]?.first ?? "", names)
            case .status: (form["meddelande"]?.first ?? "", names)
            default: nil
            }
            return try await reportPage(request, context: context, detail: detail, user: user, error: (action, refusal.message), kept: kept,
                                        retry: retry, status: .unprocessableContent)
        }
        if action == .svar, try await services.cases.detail(id: id, includeContact: true)?.contact?.email == nil {
            message = "svar-utan-epost"
        }
        context.logger.info("triage action", metadata: ["action": .string(action.rawValue), "report": .stringConvertible(id)])
        let language = PublicReportController.language(request)
        // After reclassification the user may no longer see the report: back to the start page.
        if action == .klassificera, let functions = try await services.cases.activeFunctions(reportId: id), !AccessPolicy.canSee(reportRoutedTo: functions, by: user) {
            return StaffPage.redirect("/handlaggning", message: "klassificera-bort", language: language)
        }
        return StaffPage.redirect(StaffPage.reportPath(id), message: message, language: language)
    }
}

extension Language {
    /// `&lang=en` or "", for a link that already has a query.
    var queryContinuation: String { self == .en ? "&lang=en" : "" }
}
