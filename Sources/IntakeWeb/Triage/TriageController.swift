import Foundation
import GRDB
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
    private var today: CalendarDay { CalendarDay(services.clock()) }

    static func user(_ context: AppRequestContext) throws -> StaffUser {
        guard let user = context.staffSession?.user else { throw AppError.forbidden }
        return user
    }

    // MARK: start page

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try Self.user(context)
        let language = PublicReportController.language(request)
        var page = StaffPage.base(request, context: context, title: language == .sv ? "Handläggning" : "Case handling", path: "/handlaggning")
        page["notice"] = StaffPage.notice(request, language: language)
        if AccessPolicy.canWorkWithReports(user) {
            let functions = catalogue.allFunctions.filter { AccessPolicy.canSeeQueue(of: $0.key, by: user) }
            let counts = try await services.cases.functionCounts(functions.map(\.key), today: today)
            page["regions"] = catalogue.regions.compactMap { region -> [String: Any]? in
                let list = functions.filter { $0.regionKey == region.key }
                guard !list.isEmpty else { return nil }
                return [
                    "name": region.name[language],
                    "functions": list.map { function -> [String: Any] in
                        let count = counts[function.key] ?? (0, 0, 0)
                        return ["name": function.name[language], "href": "/handlaggning/ko/\(function.key)" + language.query,
                                "overdueHref": "/handlaggning/ko/\(function.key)?forsenad=1" + language.queryContinuation,
                                "open": count.open, "overdue": count.overdue, "unassigned": count.unassigned, "hasOverdue": count.overdue > 0]
                    },
                ]
            }
            page["hasFunctions"] = !functions.isEmpty
            page["canWork"] = true
        } else {
            // Analysts: aggregates only, never report content or contact data.
            let rows = try await services.cases.countsByAgreementAndState()
            let states = catalogue.lifecycle.states
            let grouped = Dictionary(grouping: rows, by: { $0.agreementKey ?? "" })
            page["states"] = states.map { ["name": $0.name[language]] }
            page["aggregates"] = grouped.keys.sorted().map { key -> [String: Any] in
                let name = key.isEmpty ? (language == .sv ? "Ej klassificerad" : "Not classified") : (catalogue.agreement(key)?.name[language] ?? key)
                let byState = Dictionary(grouped[key]!.map { ($0.stateKey, $0.count) }, uniquingKeysWith: +)
                return ["name": name, "counts": states.map { ["count": byState[$0.key] ?? 0] }, "total": byState.values.reduce(0, +)]
            }
        }
        return services.renderer.page("pages/staff-home", page)
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
        let handlers = try await services.database.pool.read { db in try services.staff.handlers(inFunctions: [function.key], in: db) }
        let lifecycle = catalogue.lifecycle
        let base = "/handlaggning/ko/\(function.key)"
        var page = StaffPage.base(request, context: context, title: function.name[language], path: base)
        page["functionName"] = function.name[language]
        page["regionName"] = region.name[language]
        page["action"] = base
        page["total"] = result.total
        page["overdueCount"] = result.overdue
        page["stateCounts"] = lifecycle.states.map { state in
            ["name": state.name[language], "count": result.countsByState[state.key] ?? 0,
             "href": base + PageContext.queryString([("status", state.key)] + (language == .en ? [("lang", "en")] : [])),
             "current": filter.stateKey == state.key]
        }
        page["openHref"] = base + language.query
        page["allHref"] = base + PageContext.queryString([("status", "alla")] + (language == .en ? [("lang", "en")] : []))
        page["openOnly"] = filter.openOnly
        page["showAll"] = showAll
        let closedStates = lifecycle.states.filter { !$0.isOpen }
        page["closedCount"] = closedStates.reduce(0) { $0 + (result.countsByState[$1.key] ?? 0) }
        page["hasClosed"] = closedStates.contains { (result.countsByState[$0.key] ?? 0) > 0 }
        page["stateOptions"] = lifecycle.states.map { ["value": $0.key, "label": $0.name[language], "selected": filter.stateKey == $0.key] }
        let agreements = catalogue.agreements.filter { $0.regionKey == region.key }.sorted { $0.name.sv < $1.name.sv }
        page["agreementOptions"] = [["value": "ingen", "label": language == .sv ? "Ej klassificerad" : "Not classified", "selected": filter.agreementKey == ""]]
            + agreements.map { ["value": $0.key, "label": $0.name[language], "selected": filter.agreementKey == $0.key] }
        page["partyOptions"] = region.parties.map { ["value": $0.key, "label": $0.name, "selected": filter.partyKey == $0.key] }
        var assignedOptions: [[String: Any]] = [
            ["value": "jag", "label": language == .sv ? "Mig" : "Me", "selected": value("handlaggare") == "jag"],
            ["value": "ingen", "label": language == .sv ? "Ingen" : "Nobody", "selected": value("handlaggare") == "ingen"],
        ]
        assignedOptions += handlers.map { ["value": String($0.id), "label": $0.name, "selected": value("handlaggare") == String($0.id)] }
        page["assignedOptions"] = assignedOptions
        page["sortOptions"] = [
            ["value": "received", "label": language == .sv ? "Mottagen" : "Received", "selected": filter.sort == .received],
            ["value": "due", "label": language == .sv ? "Återkoppling senast" : "Feedback due", "selected": filter.sort == .due],
            ["value": "reference", "label": language == .sv ? "Referensnummer" : "Reference", "selected": filter.sort == .reference],
            ["value": "state", "label": language == .sv ? "Status" : "Status", "selected": filter.sort == .state],
        ]
        page["ascending"] = !filter.descending
        page["overdueOnly"] = filter.overdueOnly
        page["from"] = filter.from?.description ?? ""
        page["to"] = filter.to?.description ?? ""
        page["rows"] = result.rows.map { row -> [String: Any] in
            let overdue = (lifecycle.state(row.stateKey)?.isOpen ?? false) && row.feedbackDueOn < today
            return [
                "reference": row.reference,
                "href": "/handlaggning/rapporter/\(row.id)" + language.query,
                "agreement": row.agreementKey.flatMap { catalogue.agreement($0)?.name[language] } ?? (language == .sv ? "Ej klassificerad" : "Not classified"),
                "organisation": row.organisationKey.isEmpty ? "–" : catalogue.party(row.organisationKey)?.name ?? row.organisationKey,
                "state": lifecycle.state(row.stateKey)?.name[language] ?? row.stateKey,
                "received": CalendarDay(row.receivedAt).description,
                "due": row.feedbackDueOn.description,
                "overdue": overdue,
                "assigned": row.assignedName ?? "–",
                "systemfel": row.systemfel,
                "needsCompletion": row.needsCompletion,
                "channel": row.channel?.name[language] ?? row.channelKey,
                "excerpt": Self.excerpt(row.excerpt ?? ""),
            ]
        }
        page["hasRows"] = !result.rows.isEmpty
        // Paging keeps every filter.
        let shown = result.paging.page
        let pages = result.paging.pageCount(total: result.total)
        var keep = query.filter { $0.key != "sida" && $0.key != "klart" }.map { (String($0.key), String($0.value)) }
        keep.sort { $0.0 < $1.0 }
        page["page"] = shown
        page["pages"] = pages
        if shown > 1 { page["previousHref"] = base + PageContext.queryString(keep + [("sida", String(shown - 1))]) }
        if shown < pages { page["nextHref"] = base + PageContext.queryString(keep + [("sida", String(shown + 1))]) }
        page["isEnglish"] = language == .en
        return services.renderer.page("pages/queue", page)
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
        let lifecycle = catalogue.lifecycle
        let summary = detail.summary
        let region = catalogue.region(summary.regionKey)
        let agreement = summary.agreementKey.flatMap(catalogue.agreement)
        let state = lifecycle.state(summary.stateKey)
        let base = "/handlaggning/rapporter/\(summary.id)"
        var page = StaffPage.base(request, context: context, title: (error == nil ? "" : (language == .sv ? "Fel: " : "Error: ")) + summary.reference, path: base)
        page["notice"] = StaffPage.notice(request, language: language)
        if let error {
            page["error"] = error.message[language]
            page["errorAction"] = error.action.rawValue
            // The status and escalation forms show the error at their text box, and the summary links there.
            page["statusError"] = error.action == .status
            page["escalationError"] = error.action == .eskalera
            page["errorHref"] = switch error.action {
            case .status: "#f-status-message"
            case .eskalera: "#f-escalation-reason"
            default: "#action-\(error.action.rawValue)"
            }
            if let retry {
                page["retry_" + error.action.rawValue] = [
                    "text": retry.text,
                    "confirmNames": retry.names.enumerated().map { ["word": $1, "confirmId": "f-\(error.action.rawValue)-inte-namn-\($0)"] },
                ] as [String: Any]
            }
        }
        page["reference"] = summary.reference
        page["base"] = base
        page["langQuery"] = language.query
        page["regionName"] = region?.name[language] ?? summary.regionKey
        page["agreement"] = agreement?.name[language] ?? (language == .sv ? "Ej klassificerad" : "Not classified")
        // Only an agreement has a version: an unclassified report shows no "(version )".
        if agreement != nil, let version = detail.agreementVersion { page["agreementVersion"] = String(version) }
        page["stateName"] = state?.name[language] ?? summary.stateKey
        page["isOpen"] = state?.isOpen ?? false
        page["received"] = CalendarDay(summary.receivedAt).formatted(language)
        page["due"] = summary.feedbackDueOn.formatted(language)
        page["overdue"] = (state?.isOpen ?? false) && summary.feedbackDueOn < today
        page["organisation"] = catalogue.party(summary.organisationKey)?.name ?? summary.organisationKey
        page["noOrganisation"] = summary.organisationKey.isEmpty
        if summary.needsCompletion {
            // A mailed report: what the mail did not say, by the form's labels.
            let form = catalogue.region(summary.regionKey).map { ReportForm(catalogue: catalogue, region: $0, agreement: agreement) }
            page["missing"] = summary.missingFields.map { key -> [String: Any] in
                let field = form?.commonFields.first { $0.key == key } ?? form?.extraFields.first { ReportForm.extraFieldName($0.key) == key }
                return ["label": field?.label[language] ?? key]
            }
            page["needsCompletion"] = true
        }
        if !detail.facts.otherPartyKeys.isEmpty {
            page["otherParties"] = detail.facts.otherPartyKeys.map { catalogue.party($0)?.name ?? $0 }.joined(separator: ", ")
        }
        page["occurredOn"] = detail.facts.occurredOn.formatted(language)
        page["whatHappened"] = detail.facts.whatHappened
        page["expected"] = detail.facts.expected
        if let consequences = detail.facts.consequences, !consequences.isEmpty { page["consequences"] = consequences }
        if let improvement = detail.facts.improvement, !improvement.isEmpty { page["improvement"] = improvement }
        page["reportLanguage"] = detail.facts.language == .sv ? (language == .sv ? "svenska" : "Swedish") : (language == .sv ? "engelska" : "English")
        page["extras"] = detail.facts.extraFields.keys.sorted().map { key -> [String: Any] in
            let field = catalogue.agreements.first { $0.key == summary.agreementKey }?.fields.first { $0.key == key }
                ?? catalogue.agreements.lazy.flatMap(\.fields).first { $0.key == key }
            let values = detail.facts.extraFields[key] ?? []
            return ["label": field?.label[language] ?? key, "value": values.map { field?.displayValue($0, in: language) ?? $0 }.joined(separator: ", ")]
        }
        page["systemfel"] = summary.systemfel
        page["channel"] = summary.channel?.name[language] ?? summary.channelKey
        page["assigned"] = summary.assignedName ?? (language == .sv ? "Ingen" : "Nobody")
        if let escalation = summary.escalationLevel.flatMap({ key in region?.escalation.first { $0.key == key }?.name[language] }) {
            page["escalation"] = escalation
        }
        page["escalations"] = detail.escalations.map { step -> [String: Any] in
            var item: [String: Any] = [
                "level": region?.escalation.first { $0.key == step.levelKey }?.name[language] ?? step.levelKey,
                "at": Self.timestamp(step.at), "reason": step.reason, "publicText": step.publicText,
            ]
            if let name = step.byName { item["by"] = name }
            return item
        }
        page["hasEscalations"] = !detail.escalations.isEmpty
        if let contact = detail.contact {
            // Only what the reporter left: no label without a value.
            var shown: [String: Any] = ["hasEmail": contact.email != nil]
            for (key, value) in [("name", contact.name), ("role", contact.role), ("email", contact.email), ("phone", contact.phone)] {
                if let value, !value.isEmpty { shown[key] = value }
            }
            shown["none"] = shown.count == 1
            page["contact"] = shown
        }
        page["routes"] = detail.routes.map { route -> [String: Any] in
            ["name": catalogue.function(route.functionKey)?.name[language] ?? route.functionKey,
             "href": "/handlaggning/ko/\(route.functionKey)" + language.query,
             "active": route.active, "since": CalendarDay(route.routedAt).description, "triage": route.isTriage]
        }
        page["messages"] = detail.messages.map { message -> [String: Any] in
            let kindLabel: String = switch message.kind {
            case .note: language == .sv ? "Intern anteckning" : "Internal note"
            case .reply: language == .sv ? "Svar till rapportören" : "Reply to the reporter"
            case .reporter: language == .sv ? "Från rapportören" : "From the reporter"
            }
            return [
                "kind": message.kind.rawValue,
                "kindLabel": kindLabel,
                "author": message.kind == .reporter ? (language == .sv ? "Rapportören" : "The reporter") : message.authorName,
                "at": Self.timestamp(message.createdAt),
                "body": message.body,
            ]
        }
        page["hasMessages"] = !detail.messages.isEmpty
        page["links"] = detail.links.map { ["reference": $0.reference, "href": "/handlaggning/rapporter/\($0.id)" + language.query] }
        page["hasLinks"] = !detail.links.isEmpty
        page["history"] = detail.history.reversed().map { entry -> [String: Any] in
            [
                "at": Self.timestamp(entry.at),
                "actor": entry.actor == .reporter ? (language == .sv ? "Rapportören" : "The reporter") : (entry.actor == .system ? (language == .sv ? "Systemet" : "The system") : entry.actor.label),
                "action": entry.action.label[language],
                "before": describeValue(entry.before, action: entry.action, region: region, language: language),
                "after": describeValue(entry.after, action: entry.action, region: region, language: language),
            ]
        }

        // Action forms.
        page["transitions"] = (lifecycle.transitions[summary.stateKey] ?? []).compactMap(lifecycle.state).map { target in
            ["value": target.key, "label": target.name[language], "notifies": target.notifiesReporter && target.isOpen,
             "closes": !target.isOpen, "checked": kept["status"] == target.key]
        }
        page["stateMessage"] = kept["meddelande"] ?? ""
        page["escalationReason"] = kept["orsak"] ?? ""
        page["escalationPublicText"] = kept["besked"] ?? ""
        page["hasTransitions"] = !(lifecycle.transitions[summary.stateKey] ?? []).isEmpty
        let handlers = try await services.database.pool.read { db in try services.staff.handlers(inFunctions: detail.activeFunctionKeys, in: db) }
        page["assignOptions"] = [["value": "", "label": language == .sv ? "Ingen" : "Nobody", "selected": summary.assignedUserId == nil]]
            + handlers.map { ["value": String($0.id), "label": $0.name, "selected": summary.assignedUserId == $0.id] }
        page["agreementOptions"] = catalogue.agreements
            .filter { $0.regionKey == summary.regionKey && $0.isValid(on: today) && $0.key != summary.agreementKey }
            .sorted { $0.name.sv < $1.name.sv }
            .map { ["value": $0.key, "label": $0.name[language]] }
        if summary.agreementKey == nil {
            // Filed as "Vet inte": the agreement finder suggests where it belongs, one click to reclassify.
            let text = [detail.facts.whatHappened, detail.facts.expected, detail.facts.consequences ?? "", detail.facts.improvement ?? ""]
                .joined(separator: "\n")
            let finder = await services.finder.finder(region: summary.regionKey, now: now)
            let suggestions = AgreementFinder.suggestions(finder.rank(text))
            page["hasSuggestions"] = !suggestions.isEmpty
            page["suggestions"] = suggestions.map { match -> [String: Any] in
                ["key": match.agreement.key, "name": match.agreement.name[language], "summary": match.agreement.summary[language],
                 "words": match.matchedWords.prefix(6).joined(separator: ", ")]
            }
        }
        if let region {
            switch Workflow.nextEscalation(in: region, current: summary.escalationLevel) {
            case .success(let level):
                page["nextEscalation"] = level.name[language]
                page["escalationMailbox"] = level.mailbox
            case .failure: page["topEscalation"] = true
            }
        }
        page["actions"] = Dictionary(uniqueKeysWithValues: Action.allCases.map { ($0.key, base + "/" + $0.rawValue + language.query) })
        page["trackingHref"] = "/arende/\(detail.trackingToken)"
        let reportId = summary.id
        let outcome = try await services.database.pool.read { db -> OutcomeRow? in
            try Row.fetchOne(db, sql: "SELECT summary, publishable FROM report_outcome WHERE report_id = ?", arguments: [reportId])
                .map { OutcomeRow(text: $0["summary"], publishable: $0["publishable"]) }
        }
        page["outcomeText"] = (page["retry_utfall"] as? [String: Any])?["text"] as? String ?? outcome?.text ?? ""
        page["outcomePublishable"] = outcome?.publishable ?? false
        page["reporterHasEmail"] = detail.contact?.email != nil
        return services.renderer.page("pages/case", page, status: status)
    }

    struct OutcomeRow: Sendable {
        var text: String
        var publishable: Bool
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
            case .status: ["status", "meddelande"]
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
        do throws(TriageService.Failure) {
            switch action {
            case .status: try await triage.changeState(id, to: form["status"]?.first ?? "", message: form["meddelande"]?.first, by: user, now: now)
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
            // What was typed comes back with the error, so nothing written is lost.
            let kept = Dictionary(action.formFields.compactMap { name in form[name]?.first.map { (name, $0) } }, uniquingKeysWith: { first, _ in first })
            // A lone first name: the text comes back with a checkbox per word to confirm it is not a name.
            var retry: (text: String, names: [String])?
            if case .possibleNames(_, let words) = refusal {
                retry = (action == .utfall ? form["utfall"]?.first ?? "" : text, words)
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
        return StaffPage.redirect("/handlaggning/rapporter/\(id)", message: message, language: language)
    }
}

extension Language {
    /// `&lang=en` or "", for a link that already has a query.
    var queryContinuation: String { self == .en ? "&lang=en" : "" }
}
