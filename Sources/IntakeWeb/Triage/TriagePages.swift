import Foundation
import IntakeDomain
import IntakeStore

/// The triage pages' models (Templates/pages/staff-home, queue, case), each built in one function
/// below from what `TriageController` has read.

/// Handläggning: the queues of the user's functions, or for analysts the aggregates only.
struct StaffHomePage: PageModel {
    static let template = "pages/staff-home"
    let notice: String?
    /// A handläggare or administrator: the queues; otherwise (analyst) the aggregates.
    let canWork: Bool
    let hasFunctions: Bool
    let regions: [RegionQueues]
    let states: [StateName]
    let aggregates: [Aggregate]

    struct RegionQueues: Sendable {
        let name: String
        let functions: [FunctionQueue]
    }

    struct FunctionQueue: Sendable {
        let name: String
        let href: String
        let overdueHref: String
        let open: Int
        let overdue: Int
        let unassigned: Int
        let hasOverdue: Bool
    }

    struct StateName: Sendable {
        let name: String
    }

    /// One agreement's row: a count per state, in the order of `states`.
    struct Aggregate: Sendable {
        let name: String
        let counts: [Count]
        let total: Int
    }

    struct Count: Sendable {
        let count: Int
    }
}

/// One owning function's queue with its filters and paging.
struct TriageQueuePage: PageModel {
    static let template = "pages/queue"
    let functionName: String
    let regionName: String
    let action: String
    let total: Int
    /// "1 öppen rapport", not "1 öppna rapporter".
    let oneReport: Bool
    let overdueCount: Int
    let stateCounts: [StateCount]
    let openHref: String
    let allHref: String
    let openOnly: Bool
    let showAll: Bool
    let closedCount: Int
    let hasClosed: Bool
    let stateOptions: [Option]
    let agreementOptions: [Option]
    let partyOptions: [Option]
    let channelOptions: [Option]
    let assignedOptions: [Option]
    let sortOptions: [Option]
    let ascending: Bool
    let overdueOnly: Bool
    let from: String
    let to: String
    let rows: [Row]
    let hasRows: Bool
    let page: Int
    let pages: Int
    let previousHref: String?
    let nextHref: String?
    let isEnglish: Bool

    struct StateCount: Sendable {
        let name: String
        let count: Int
        let href: String
        let current: Bool
    }

    typealias Option = SelectOption

    struct Row: Sendable {
        let reference: String
        let href: String
        let agreement: String
        let organisation: String
        let state: String
        let received: String
        let due: String
        let overdue: Bool
        let assigned: String
        let systemfel: Bool
        let needsCompletion: Bool
        let channel: String
        let excerpt: String
    }
}

/// One report with its history and the action forms; after a refused action, with the error and
/// what was typed.
struct CasePage: PageModel {
    static let template = "pages/case"
    let notice: String?
    // A refused action: the message, and where the error summary links.
    let error: String?
    let errorHref: String?
    /// The status and escalation forms show the error at their text box.
    let statusError: Bool
    let escalationError: Bool
    /// A refused text with possible names: the text again, with a checkbox per word (by the template's names).
    let retry_status: Retry?
    let retry_svar: Retry?
    let retry_anteckning: Retry?
    let retry_utfall: Retry?

    let reference: String
    let regionName: String
    let agreement: String
    /// Only an agreement has a version: an unclassified report shows no "(version )".
    let agreementVersion: String?
    let stateName: String
    let isOpen: Bool
    let received: String
    let due: String
    let overdue: Bool
    let organisation: String
    let noOrganisation: Bool
    let needsCompletion: Bool
    let missing: [Label]
    let otherParties: String?
    let occurredOn: String
    let whatHappened: String
    let expected: String
    let consequences: String?
    let improvement: String?
    let reportLanguage: String
    let extras: [Extra]
    let systemfel: Bool
    let channel: String
    let assigned: String
    let escalation: String?
    let escalations: [Escalation]
    let hasEscalations: Bool
    let contact: Contact?
    let routes: [Route]
    let messages: [Message]
    let hasMessages: Bool
    let links: [Link]
    let hasLinks: Bool
    let history: [HistoryEntry]

    // The action forms.
    let transitions: [Transition]
    let stateMessage: String
    let escalationReason: String
    let escalationPublicText: String
    let hasTransitions: Bool
    let assignOptions: [Option]
    let agreementOptions: [AgreementOption]
    let hasSuggestions: Bool
    let suggestions: [Suggestion]
    let nextEscalation: String?
    let escalationMailbox: String?
    let topEscalation: Bool
    let actions: Actions
    let trackingHref: String
    let outcomeText: String
    let outcomePublishable: Bool
    let reporterHasEmail: Bool

    struct Retry: Sendable {
        let text: String
        let confirmNames: [ConfirmName]
    }

    struct ConfirmName: Sendable {
        let word: String
        let confirmId: String
    }

    struct Label: Sendable {
        let label: String
    }

    struct Extra: Sendable {
        let label: String
        let value: String
    }

    struct Escalation: Sendable {
        let level: String
        let at: String
        let reason: String
        let publicText: String
        let by: String?
    }

    /// Only what the reporter left: no label without a value.
    struct Contact: Sendable {
        let hasEmail: Bool
        let name: String?
        let role: String?
        let email: String?
        let phone: String?
        let none: Bool
    }

    struct Route: Sendable {
        let name: String
        let href: String
        let active: Bool
        let since: String
        let triage: Bool
    }

    struct Message: Sendable {
        let kind: String
        let kindLabel: String
        let author: String
        let at: String
        let body: String
    }

    struct Link: Sendable {
        let reference: String
        let href: String
    }

    struct HistoryEntry: Sendable {
        let at: String
        let actor: String
        let action: String
        let before: String
        let after: String
    }

    struct Transition: Sendable {
        let value: String
        let label: String
        let notifies: Bool
        let closes: Bool
        let checked: Bool
    }

    typealias Option = SelectOption

    struct AgreementOption: Sendable {
        let value: String
        let label: String
    }

    struct Suggestion: Sendable {
        let key: String
        let name: String
        let summary: String
        let words: String
    }

    /// Each action form's address, by the action's key (`{{actions.svar}}`).
    struct Actions: Sendable {
        let status: String
        let svar: String
        let anteckning: String
        let tilldela: String
        let klassificera: String
        let eskalera: String
        let koppla: String
        let systemfel: String
        let utfall: String

        init(href: (TriageController.Action) -> String) {
            status = href(.status)
            svar = href(.svar)
            anteckning = href(.anteckning)
            tilldela = href(.tilldela)
            klassificera = href(.klassificera)
            eskalera = href(.eskalera)
            koppla = href(.koppla)
            systemfel = href(.systemfel)
            utfall = href(.utfall)
        }
    }
}

extension TriageController {
    /// The start page: per region the queues the user may see, with open, unassigned and overdue counts
    /// (`queues`, for handläggare and administrators), or reports per agreement and state (`aggregates`, for analysts).
    func staffHomePage(language: Language, notice: String?,
                       queues: (functions: [OwningFunction], counts: [String: (open: Int, overdue: Int, unassigned: Int)])?,
                       aggregates: [(agreementKey: String?, stateKey: String, count: Int)]) -> StaffHomePage {
        let catalogue = services.catalogue
        let regions = queues.map { queues in
            catalogue.regions.compactMap { region -> StaffHomePage.RegionQueues? in
                let list = queues.functions.filter { $0.regionKey == region.key }
                guard !list.isEmpty else { return nil }
                return StaffHomePage.RegionQueues(name: region.name[language], functions: list.map { function in
                    let count = queues.counts[function.key] ?? (0, 0, 0)
                    return StaffHomePage.FunctionQueue(
                        name: function.name[language], href: "/handlaggning/ko/\(function.key)" + language.query,
                        overdueHref: "/handlaggning/ko/\(function.key)?forsenad=1" + language.queryContinuation,
                        open: count.open, overdue: count.overdue, unassigned: count.unassigned, hasOverdue: count.overdue > 0)
                })
            }
        } ?? []
        // Analysts: aggregates only, never report content or contact data.
        let states = queues == nil ? catalogue.lifecycle.states : []
        let grouped = Dictionary(grouping: aggregates, by: { $0.agreementKey ?? "" })
        let rows: [StaffHomePage.Aggregate] = queues != nil ? [] : grouped.keys.sorted().map { key in
            let name = key.isEmpty ? TriageTexts.notClassified[language] : (catalogue.agreement(key)?.name[language] ?? key)
            let byState = Dictionary((grouped[key] ?? []).map { ($0.stateKey, $0.count) }, uniquingKeysWith: +)
            return StaffHomePage.Aggregate(name: name, counts: states.map { StaffHomePage.Count(count: byState[$0.key] ?? 0) },
                                           total: byState.values.reduce(0, +))
        }
        return StaffHomePage(notice: notice, canWork: queues != nil, hasFunctions: !(queues?.functions.isEmpty ?? true),
                             regions: regions, states: states.map { StaffHomePage.StateName(name: $0.name[language]) }, aggregates: rows)
    }

    /// A queue page: `assignedChoice` is the `handlaggare` filter as asked, `keep` the query to keep when paging.
    func queuePage(language: Language, function: OwningFunction, region: Region, filter: QueueFilter, showAll: Bool,
                   assignedChoice: String?, result: QueuePage, handlers: [StaffUser], keep: [(String, String)]) -> TriageQueuePage {
        let catalogue = services.catalogue
        let lifecycle = catalogue.lifecycle
        let today = today
        let base = "/handlaggning/ko/\(function.key)"
        let english: [(String, String)] = language == .en ? [("lang", "en")] : []
        let closedStates = lifecycle.states.filter { !$0.isOpen }
        let agreements = catalogue.agreements.filter { $0.regionKey == region.key }.sorted { $0.name.sv < $1.name.sv }
        let shown = result.paging.page
        let pages = result.paging.pageCount(total: result.total)
        return TriageQueuePage(
            functionName: function.name[language],
            regionName: region.name[language],
            action: base,
            total: result.total,
            oneReport: result.total == 1,
            overdueCount: result.overdue,
            stateCounts: lifecycle.states.map { state in
                TriageQueuePage.StateCount(name: state.name[language], count: result.countsByState[state.key] ?? 0,
                                     href: base + PageContext.queryString([("status", state.key)] + english),
                                     current: filter.stateKey == state.key)
            },
            openHref: base + language.query,
            allHref: base + PageContext.queryString([("status", "alla")] + english),
            openOnly: filter.openOnly,
            showAll: showAll,
            closedCount: closedStates.reduce(0) { $0 + (result.countsByState[$1.key] ?? 0) },
            hasClosed: closedStates.contains { (result.countsByState[$0.key] ?? 0) > 0 },
            stateOptions: lifecycle.states.map { TriageQueuePage.Option(value: $0.key, label: $0.name[language], selected: filter.stateKey == $0.key) },
            agreementOptions: [TriageQueuePage.Option(value: "ingen", label: TriageTexts.notClassified[language], selected: filter.agreementKey == "")]
                + agreements.map { TriageQueuePage.Option(value: $0.key, label: $0.name[language], selected: filter.agreementKey == $0.key) },
            partyOptions: region.parties.map { TriageQueuePage.Option(value: $0.key, label: $0.name, selected: filter.partyKey == $0.key) },
            channelOptions: ReportChannel.allCases.map { TriageQueuePage.Option(value: $0.key, label: $0.name[language], selected: filter.channel == $0) },
            assignedOptions: [
                TriageQueuePage.Option(value: "jag", label: TriageTexts.me[language], selected: assignedChoice == "jag"),
                TriageQueuePage.Option(value: "ingen", label: TriageTexts.nobody[language], selected: assignedChoice == "ingen"),
            ] + handlers.map { TriageQueuePage.Option(value: String($0.id), label: $0.name, selected: assignedChoice == String($0.id)) },
            sortOptions: [
                TriageQueuePage.Option(value: "received", label: TriageTexts.sortReceived[language], selected: filter.sort == .received),
                TriageQueuePage.Option(value: "due", label: TriageTexts.sortDue[language], selected: filter.sort == .due),
                TriageQueuePage.Option(value: "reference", label: TriageTexts.sortReference[language], selected: filter.sort == .reference),
                TriageQueuePage.Option(value: "state", label: TriageTexts.sortState[language], selected: filter.sort == .state),
            ],
            ascending: !filter.descending,
            overdueOnly: filter.overdueOnly,
            from: filter.from?.description ?? "",
            to: filter.to?.description ?? "",
            rows: result.rows.map { row in
                TriageQueuePage.Row(
                    reference: row.reference,
                    href: StaffPage.reportPath(row.id) + language.query,
                    agreement: row.agreementKey.flatMap { catalogue.agreement($0)?.name[language] } ?? TriageTexts.notClassified[language],
                    organisation: row.organisationKey.isEmpty ? "–" : catalogue.party(row.organisationKey)?.name ?? row.organisationKey,
                    state: lifecycle.state(row.stateKey)?.name[language] ?? row.stateKey,
                    received: CalendarDay(row.receivedAt).description,
                    due: row.feedbackDueOn.description,
                    overdue: (lifecycle.state(row.stateKey)?.isOpen ?? false) && row.feedbackDueOn < today,
                    assigned: row.assignedName ?? "–",
                    systemfel: row.systemfel,
                    needsCompletion: row.needsCompletion,
                    channel: row.channel?.name[language] ?? row.channelKey,
                    excerpt: Self.excerpt(row.excerpt ?? ""))
            },
            hasRows: !result.rows.isEmpty,
            page: shown,
            pages: pages,
            // Paging keeps every filter.
            previousHref: shown > 1 ? base + PageContext.queryString(keep + [("sida", String(shown - 1))]) : nil,
            nextHref: shown < pages ? base + PageContext.queryString(keep + [("sida", String(shown + 1))]) : nil,
            isEnglish: language == .en)
    }

    /// The report page. `error` is a refused action with what was typed (`kept`) and, for a text with
    /// possible names, the text and the words to confirm (`retry`); `suggestions` are the agreement
    /// finder's for an unclassified report.
    func casePage(language: Language, notice: String?, detail: CaseDetail, error: (action: Action, message: LocalizedText)?,
                  kept: [String: String], retry: (text: String, names: [String])?, handlers: [StaffUser],
                  suggestions: [AgreementMatch], outcome: CaseOutcome?) -> CasePage {
        let catalogue = services.catalogue
        let lifecycle = catalogue.lifecycle
        let summary = detail.summary
        let region = catalogue.region(summary.regionKey)
        let agreement = summary.agreementKey.flatMap(catalogue.agreement)
        let state = lifecycle.state(summary.stateKey)
        let base = StaffPage.reportPath(summary.id)
        func retryForm(for action: Action) -> CasePage.Retry? {
            guard let retry, error?.action == action else { return nil }
            return CasePage.Retry(text: retry.text, confirmNames: retry.names.enumerated().map {
                CasePage.ConfirmName(word: $1, confirmId: "f-\(action.rawValue)-inte-namn-\($0)")
            })
        }
        let retryOutcome = retryForm(for: .utfall)
        // A mailed report: what the mail did not say, by the form's labels.
        let form = summary.needsCompletion ? region.map { ReportForm(catalogue: catalogue, region: $0, agreement: agreement) } : nil
        let nextEscalation = region.map { Workflow.nextEscalation(in: $0, current: summary.escalationLevel) }
        let nextLevel: EscalationLevel? = if case .success(let level)? = nextEscalation { level } else { nil }
        let transitions = lifecycle.transitions[summary.stateKey] ?? []
        let contact = detail.contact.map { contact in
            let shown = [contact.name, contact.role, contact.email, contact.phone].map { $0?.isEmpty == false ? $0 : nil }
            return CasePage.Contact(hasEmail: contact.email != nil, name: shown[0], role: shown[1], email: shown[2], phone: shown[3],
                                    none: shown.allSatisfy { $0 == nil })
        }
        func actorName(_ actor: AuditActor) -> String {
            switch actor {
            case .reporter: TriageTexts.theReporter[language]
            case .system: TriageTexts.theSystem[language]
            default: actor.label
            }
        }
        return CasePage(
            notice: notice,
            error: error?.message[language],
            errorHref: error.map { error in
                switch error.action {
                case .status: "#f-status-message"
                case .eskalera: "#f-escalation-reason"
                default: "#action-\(error.action.rawValue)"
                }
            },
            statusError: error?.action == .status,
            escalationError: error?.action == .eskalera,
            retry_status: retryForm(for: .status),
            retry_svar: retryForm(for: .svar),
            retry_anteckning: retryForm(for: .anteckning),
            retry_utfall: retryOutcome,
            reference: summary.reference,
            regionName: region?.name[language] ?? summary.regionKey,
            agreement: agreement?.name[language] ?? TriageTexts.notClassified[language],
            agreementVersion: agreement == nil ? nil : detail.agreementVersion.map { String($0) },
            stateName: state?.name[language] ?? summary.stateKey,
            isOpen: state?.isOpen ?? false,
            received: CalendarDay(summary.receivedAt).formatted(language),
            due: summary.feedbackDueOn.formatted(language),
            overdue: (state?.isOpen ?? false) && summary.feedbackDueOn < today,
            organisation: catalogue.party(summary.organisationKey)?.name ?? summary.organisationKey,
            noOrganisation: summary.organisationKey.isEmpty,
            needsCompletion: summary.needsCompletion,
            missing: !summary.needsCompletion ? [] : summary.missingFields.map { key in
                let field = form?.commonFields.first { $0.key == key } ?? form?.extraFields.first { ReportForm.extraFieldName($0.key) == key }
                return CasePage.Label(label: field?.label[language] ?? key)
            },
            otherParties: detail.facts.otherPartyKeys.isEmpty ? nil
                : detail.facts.otherPartyKeys.map { catalogue.party($0)?.name ?? $0 }.joined(separator: ", "),
            occurredOn: detail.facts.occurredOn.formatted(language),
            whatHappened: detail.facts.whatHappened,
            expected: detail.facts.expected,
            consequences: detail.facts.consequences.flatMap { $0.isEmpty ? nil : $0 },
            improvement: detail.facts.improvement.flatMap { $0.isEmpty ? nil : $0 },
            reportLanguage: TriageTexts.languageName(detail.facts.language)[language],
            extras: detail.facts.extraFields.keys.sorted().map { key in
                let field = catalogue.agreements.first { $0.key == summary.agreementKey }?.fields.first { $0.key == key }
                    ?? catalogue.agreements.lazy.flatMap(\.fields).first { $0.key == key }
                let values = detail.facts.extraFields[key] ?? []
                return CasePage.Extra(label: field?.label[language] ?? key,
                                      value: values.map { field?.displayValue($0, in: language) ?? $0 }.joined(separator: ", "))
            },
            systemfel: summary.systemfel,
            channel: summary.channel?.name[language] ?? summary.channelKey,
            assigned: summary.assignedName ?? TriageTexts.nobody[language],
            escalation: summary.escalationLevel.flatMap { key in region?.escalation.first { $0.key == key }?.name[language] },
            escalations: detail.escalations.map { step in
                CasePage.Escalation(level: region?.escalation.first { $0.key == step.levelKey }?.name[language] ?? step.levelKey,
                                    at: Self.timestamp(step.at), reason: step.reason, publicText: step.publicText, by: step.byName)
            },
            hasEscalations: !detail.escalations.isEmpty,
            contact: contact,
            routes: detail.routes.map { route in
                CasePage.Route(name: catalogue.function(route.functionKey)?.name[language] ?? route.functionKey,
                               href: "/handlaggning/ko/\(route.functionKey)" + language.query,
                               active: route.active, since: CalendarDay(route.routedAt).description, triage: route.isTriage)
            },
            messages: detail.messages.map { message in
                let kindLabel = switch message.kind {
                case .note: TriageTexts.internalNote
                case .reply: TriageTexts.replyToReporter
                case .reporter: TriageTexts.fromReporter
                }
                return CasePage.Message(kind: message.kind.rawValue, kindLabel: kindLabel[language],
                                        author: message.kind == .reporter ? TriageTexts.theReporter[language] : message.authorName,
                                        at: Self.timestamp(message.createdAt), body: message.body)
            },
            hasMessages: !detail.messages.isEmpty,
            links: detail.links.map { CasePage.Link(reference: $0.reference, href: StaffPage.reportPath($0.id) + language.query) },
            hasLinks: !detail.links.isEmpty,
            history: detail.history.reversed().map { entry in
                CasePage.HistoryEntry(at: Self.timestamp(entry.at), actor: actorName(entry.actor), action: entry.action.label[language],
                                      before: describeValue(entry.before, action: entry.action, region: region, language: language),
                                      after: describeValue(entry.after, action: entry.action, region: region, language: language))
            },
            transitions: transitions.compactMap(lifecycle.state).map { target in
                CasePage.Transition(value: target.key, label: target.name[language], notifies: target.notifiesReporter && target.isOpen,
                                    closes: !target.isOpen, checked: kept["status"] == target.key)
            },
            stateMessage: kept["meddelande"] ?? "",
            escalationReason: kept["orsak"] ?? "",
            escalationPublicText: kept["besked"] ?? "",
            hasTransitions: !transitions.isEmpty,
            assignOptions: [CasePage.Option(value: "", label: TriageTexts.nobody[language], selected: summary.assignedUserId == nil)]
                + handlers.map { CasePage.Option(value: String($0.id), label: $0.name, selected: summary.assignedUserId == $0.id) },
            agreementOptions: catalogue.agreements
                .filter { $0.regionKey == summary.regionKey && $0.isValid(on: today) && $0.key != summary.agreementKey }
                .sorted { $0.name.sv < $1.name.sv }
                .map { CasePage.AgreementOption(value: $0.key, label: $0.name[language]) },
            hasSuggestions: !suggestions.isEmpty,
            suggestions: suggestions.map { match in
                CasePage.Suggestion(key: match.agreement.key, name: match.agreement.name[language], summary: match.agreement.summary[language],
                                    words: match.matchedWords.prefix(6).joined(separator: ", "))
            },
            nextEscalation: nextLevel?.name[language],
            escalationMailbox: nextLevel?.mailbox,
            topEscalation: nextEscalation != nil && nextLevel == nil,
            actions: CasePage.Actions { base + "/" + $0.rawValue + language.query },
            trackingHref: SitePaths.tracking(detail.trackingToken),
            outcomeText: retryOutcome?.text ?? outcome?.text ?? "",
            outcomePublishable: outcome?.publishable ?? false,
            reporterHasEmail: detail.contact?.email != nil)
    }
}
