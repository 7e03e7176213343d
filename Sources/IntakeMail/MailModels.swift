import IntakeDomain

/// One mail template's values: the properties are the names in Templates/mail/<template>.text
/// and .html. A model is Codable because a report's mails are queued as JSON and rendered when
/// sent (`MailComposer.bodies(of:)`): rows already queued use these names as JSON keys, so a
/// property is never renamed, and one an older row may lack is an Optional. An Optional also
/// hides a `{{#name}}` section when nil (an empty String would not).
public protocol MailModel: Codable, Sendable {
    /// The template's name, which is also the outbox message's kind.
    static var kind: OutboxDraft.Kind { get }
    /// True when the mail is rendered over the report's facts (`ReportFactsMail`), read from
    /// the database when it is sent.
    var reportFacts: Bool? { get }
}

extension MailModel {
    public var reportFacts: Bool? { nil }
}

/// The report's content in mails to staff (owners, escalation levels): rendered under the
/// mail's own model, which wins where both have a name. Not stored: read when the mail is rendered.
struct ReportFactsMail: Codable, Sendable, Equatable {
    struct Extra: Codable, Sendable, Equatable {
        let label: String
        let value: String
    }

    let sv: Bool
    let en: Bool
    let reference: String
    let agreement: String
    let region: String
    let organisation: String
    let otherParties: String
    let occurredOn: String
    let whatHappened: String
    let expected: String
    let consequences: String?
    let improvement: String?
    let extras: [Extra]
    let feedbackDate: String
    let staffURL: String
}

// MARK: to the reporter (in the report's language)

/// mail/acknowledgement: the report was received. Queued as JSON when the report is filed.
public struct AcknowledgementMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.acknowledgement

    struct Function: Codable, Sendable, Equatable {
        let name: String
    }

    struct Missing: Codable, Sendable, Equatable {
        let label: String
    }

    /// Assigned by the filing transaction: added to the JSON by `PreparedMail.finish`.
    var reference: String?
    let sv: Bool
    let en: Bool
    /// "" when the report has no agreement (`hasAgreement` is false then).
    let agreement: String
    let hasAgreement: Bool
    let region: String
    let functions: [Function]
    let triage: Bool
    let feedbackDate: String
    let trackingURL: String
    /// A caller's report written down by a handläggare.
    let byPhone: Bool?
    let reporterName: String?
    let replyable: Bool?
    /// A report that came by mail: the form's address, and the fields the mail lacked.
    let viaMail: Bool?
    let formURL: String?
    let hasMissing: Bool?
    let missing: [Missing]?
}

/// mail/status-change: a new state, with the final message or the message written with the change.
public struct StatusChangeMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.statusChange
    let sv: Bool
    let en: Bool
    let reference: String
    let stateName: String
    let stateDescription: String
    let closed: Bool
    let message: String?
    let trackingURL: String
    let replyable: Bool?
}

/// mail/reply: the handläggare's reply.
public struct ReplyMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.reply
    let sv: Bool
    let en: Bool
    let reference: String
    let text: String
    let trackingURL: String
    let replyable: Bool?
}

/// mail/escalation-notice: the report was raised one step, with the handläggare's plain sentence.
public struct EscalationNoticeMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.escalationNotice
    let sv: Bool
    let en: Bool
    let reference: String
    let levelName: String
    let text: String
    let trackingURL: String
}

/// mail/mail-refused: why a mail was not stored (without quoting it) and how to send again.
public struct MailRefusedMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.mailRefused
    let identityNumber: Bool
    let name: Bool
    let formURL: String
}

// MARK: to staff (Swedish, then English)

/// mail/owner-notification: a new or reclassified report, over the report's facts.
/// A new report's notification is queued as JSON with `reportFacts` true.
public struct OwnerNotificationMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.ownerNotification
    /// Assigned by the filing transaction (`PreparedMail.finish`); otherwise from the facts.
    var reference: String?
    public let reportFacts: Bool?
    let functionName: String
    let triage: Bool
    let reclassifiedBy: String?
}

/// mail/escalation: the report raised to a level, over the report's facts.
public struct EscalationMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.escalation
    let levelName: String
    let by: String
    let reason: String
    let publicText: String
}

/// mail/assignment
public struct AssignmentMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.assignment
    let reference: String
    let assignee: String
    let by: String
    let agreementSv: String
    let agreementEn: String
    let feedbackDateSv: String
    let feedbackDateEn: String
    let staffURL: String
}

/// mail/reporter-addition: the reporter added information (on the tracking page or by mail).
public struct ReporterAdditionMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.reporterAddition
    let reference: String
    let text: String
    let staffURL: String
    let byMail: Bool?
}

/// mail/reminder: feedback is due soon, or overdue.
public struct ReminderMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.reminder
    let reference: String
    let overdue: Bool
    let agreementSv: String
    let agreementEn: String
    let feedbackDateSv: String
    let feedbackDateEn: String
    let staffURL: String
}

/// mail/password-reset
public struct PasswordResetMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.passwordReset
    let name: String
    let resetURL: String
    let minutes: Int
    let loginURL: String
}

/// mail/summary: a period's figures for an owning function or a steering group (built by
/// IntakeServices' `SummarySender`).
public struct SummaryMail: MailModel, Equatable {
    public static let kind = OutboxDraft.Kind.summary

    public struct AgreementCount: Codable, Sendable, Equatable {
        let name: String
        let count: Int
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    public struct PairCount: Codable, Sendable, Equatable {
        let first: String
        let second: String
        let count: Int
        public init(first: String, second: String, count: Int) {
            self.first = first
            self.second = second
            self.count = count
        }
    }

    let recipientSv: String
    let recipientEn: String
    let period: String
    let from: String
    let to: String
    let weekly: Bool
    let newCount: Int
    let previousCount: Int
    let handled: Int
    let overdue: Int
    let open: Int
    let topAgreementsSv: [AgreementCount]
    let topAgreementsEn: [AgreementCount]
    let topPairs: [PairCount]
    let hasAgreements: Bool
    let hasPairs: Bool
    let dashboardURL: String

    public init(recipientSv: String, recipientEn: String, period: String, from: String, to: String, weekly: Bool, newCount: Int,
                previousCount: Int, handled: Int, overdue: Int, open: Int, topAgreementsSv: [AgreementCount],
                topAgreementsEn: [AgreementCount], topPairs: [PairCount], hasAgreements: Bool, hasPairs: Bool, dashboardURL: String) {
        self.recipientSv = recipientSv
        self.recipientEn = recipientEn
        self.period = period
        self.from = from
        self.to = to
        self.weekly = weekly
        self.newCount = newCount
        self.previousCount = previousCount
        self.handled = handled
        self.overdue = overdue
        self.open = open
        self.topAgreementsSv = topAgreementsSv
        self.topAgreementsEn = topAgreementsEn
        self.topPairs = topPairs
        self.hasAgreements = hasAgreements
        self.hasPairs = hasPairs
        self.dashboardURL = dashboardURL
    }
}
