import Foundation
import GRDB
import IntakeDomain

/// One row in a queue.
public struct CaseSummary: Sendable, Hashable {
    public var id: Int64
    public var reference: String
    public var regionKey: String
    public var agreementKey: String?
    public var organisationKey: String
    public var stateKey: String
    public var receivedAt: Date
    public var feedbackDueOn: CalendarDay
    public var assignedUserId: Int64?
    public var assignedName: String?
    public var systemfel: Bool
    public var escalationLevel: String?
    /// How the report came in, as stored (`ReportChannel`'s keys).
    public var channelKey: String
    /// nil only for a key written by a newer version of the service.
    public var channel: ReportChannel? { ReportChannel(key: channelKey) }
    /// Form fields a mailed report could not fill ("behöver kompletteras"); empty when complete.
    public var missingFields: [String] = []
    public var needsCompletion: Bool { !missingFields.isEmpty }
    /// The start of "what happened", read only for queue pages.
    public var excerpt: String? = nil
}

/// A message on a report: an internal note, a reply to the reporter, or information the reporter added.
public struct CaseMessage: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case note, reply, reporter
    }

    public var id: Int64
    public var kind: Kind
    public var authorName: String
    public var body: String
    public var createdAt: Date
    /// For the closing reply: the closed state it was written for.
    public var closesState: String? = nil
}

/// One step up the escalation ladder: the reason is for staff, the public text for the reporter.
public struct CaseEscalation: Sendable, Hashable {
    public var levelKey: String
    public var reason: String
    public var publicText: String
    public var byName: String?
    public var at: Date
}

public struct CaseRoute: Sendable, Hashable {
    public var functionKey: String
    public var isTriage: Bool
    public var routedAt: Date
    public var active: Bool
}

/// Everything about a report that staff may see. Contact data is nil for viewers who may not see it.
public struct CaseDetail: Sendable {
    public var summary: CaseSummary
    public var trackingToken: String
    public var agreementVersion: Int?
    /// What was filed (the same facts the owners' mails carry).
    public var facts: ReportFacts
    public var updatedAt: Date
    public var firstFeedbackAt: Date?
    public var closedAt: Date?
    public var routes: [CaseRoute]
    public var messages: [CaseMessage]
    public var links: [(id: Int64, reference: String)]
    public var history: [AuditEntry]
    public var contact: Contact?
    public var escalations: [CaseEscalation] = []

    public struct Contact: Sendable, Hashable {
        public var name: String?
        public var role: String?
        public var email: String?
        public var phone: String?
    }

    public var activeFunctionKeys: [String] { routes.filter(\.active).map(\.functionKey) }
}

/// Filters of a queue page; all optional but the function.
public struct QueueFilter: Sendable, Hashable {
    public enum Assigned: Sendable, Hashable {
        case anyone, nobody, user(Int64)
    }

    public enum Sort: String, Sendable, CaseIterable {
        case received, due, reference, state
    }

    public var functionKey: String
    public var stateKey: String?
    public var agreementKey: String?
    public var partyKey: String?
    /// How the reports came in (web form, Open311, e-mail, phone).
    public var channel: ReportChannel?
    public var from: CalendarDay?
    public var to: CalendarDay?
    public var assigned: Assigned = .anyone
    public var overdueOnly = false
    /// Without a state: only open reports (a queue's default), or every report.
    public var openOnly = false
    public var sort: Sort = .received
    public var descending = true
    /// The requested page; the queue moves a page past the last back to the last.
    public var paging = PageRequest(page: 1, size: 25)

    public init(functionKey: String) {
        self.functionKey = functionKey
    }
}

public struct QueuePage: Sendable {
    public var rows: [CaseSummary]
    public var total: Int
    public var countsByState: [String: Int]
    public var overdue: Int
    /// The page shown: the one asked for, or the last one when it asked for a page past it.
    public var paging: PageRequest
}

/// What the reporter's tracking page shows: no internal notes, no staff names, no contact data.
public struct TrackingView: Sendable {
    public var receipt: ReportReceipt
    public var updatedAt: Date
    public var closedAt: Date?
    public var messages: [CaseMessage]
    /// State changes the reporter can see, oldest first.
    public var stateHistory: [(at: Date, stateKey: String)]
    /// Escalations, oldest first (the reason is not part of the reporter's view).
    public var escalations: [(at: Date, levelKey: String, publicText: String)] = []
    /// The outcome text when a handläggare marked it publishable.
    public var publishedOutcome: String? = nil

    /// The final message of the closing that made the report closed now: the newest closing reply
    /// written for the current state, when the report is closed.
    public var closingMessage: CaseMessage? {
        guard closedAt != nil else { return nil }
        return messages.last { $0.closesState == receipt.stateKey }
    }
}

extension ReportFacts {
    /// From a `report` row; reads the other parties.
    package init(row: Row, in db: Database) throws {
        let id: Int64 = row["id"]
        let extraJSON: String = row["extra_fields"]
        self.init(
            id: id, reference: row["reference"], regionKey: row["region_key"], agreementKey: row["agreement_key"],
            organisationKey: row["organisation_key"],
            otherPartyKeys: try String.fetchAll(db, sql: "SELECT party_key FROM report_party WHERE report_id = ? ORDER BY party_key", arguments: [id]),
            occurredOn: row["occurred_on"], whatHappened: row["what_happened"], expected: row["expected"],
            consequences: row["consequences"], improvement: row["improvement"],
            extraFields: (try? JSONDecoder().decode([String: [String]].self, from: Data(extraJSON.utf8))) ?? [:],
            language: Language(parameter: row["language"]), feedbackDueOn: row["feedback_due_on"])
    }
}

/// What a report led to, as a handläggare wrote it; shown on the learning page only if publishable.
public struct CaseOutcome: Sendable, Hashable {
    public var text: String
    public var publishable: Bool

    public init(text: String, publishable: Bool) {
        self.text = text
        self.publishable = publishable
    }
}
