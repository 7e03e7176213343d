import Foundation

/// A mail caused by an event, ready to be queued in the same transaction as the event.
public struct OutboxDraft: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case acknowledgement
        case ownerNotification = "owner-notification"
        case reply
        case assignment
        case escalation
        /// To the reporter: the report was raised one step up the ladder.
        case escalationNotice = "escalation-notice"
        case reminder
        case passwordReset = "password-reset"
        case summary
        case statusChange = "status-change"
        case reporterAddition = "reporter-addition"
        case mailRefused = "mail-refused"
    }

    /// The bodies, or what to render them from.
    public enum Body: Sendable, Hashable {
        /// Rendered when queued.
        case rendered(text: String, html: String)
        /// Rendered when sent, from `Templates/mail/<template>.text` and `.html` with this context
        /// (a JSON object). A report's mails are queued like this, so the write transaction that
        /// every submission waits for holds no template rendering (benchmarks/RESULTS.md).
        case template(String, context: String)
    }

    /// The key in a template context that asks for the report's facts when the mail is rendered.
    package static let reportFactsKey = "reportFacts"

    public var kind: Kind
    public var recipient: String
    public var subject: String
    public var body: Body

    public init(kind: Kind, recipient: String, subject: String, textBody: String, htmlBody: String) {
        self.init(kind: kind, recipient: recipient, subject: subject, body: .rendered(text: textBody, html: htmlBody))
    }

    public init(kind: Kind, recipient: String, subject: String, body: Body) {
        self.kind = kind
        self.recipient = recipient
        self.subject = subject
        self.body = body
    }
}

/// A queued mail as stored in the outbox.
public struct OutboxMessage: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case queued, sent, dead
    }

    public var id: Int64
    /// The unique part of the Message-ID header, fixed when the message is queued.
    public var messageId: String
    public var kind: String
    public var reportId: Int64?
    public var recipient: String
    public var subject: String
    /// Empty when `template` is set: then the bodies are rendered when the message is sent.
    public var textBody: String
    public var htmlBody: String
    public var template: String?
    public var templateContext: String?
    /// The report's facts, for a context that asks for them; read with the message.
    public var reportFacts: ReportFacts?
    public var status: Status
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var sentAt: Date?
    public var lastError: String?

    package init(id: Int64, messageId: String, kind: String, reportId: Int64? = nil, recipient: String, subject: String, textBody: String,
         htmlBody: String, template: String? = nil, templateContext: String? = nil, status: Status, attempts: Int, createdAt: Date,
         nextAttemptAt: Date, sentAt: Date? = nil, lastError: String? = nil) {
        self.id = id
        self.messageId = messageId
        self.kind = kind
        self.reportId = reportId
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.template = template
        self.templateContext = templateContext
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.sentAt = sentAt
        self.lastError = lastError
    }
}

/// A new report's mail, composed before the filing transaction. Inside it, `finish` adds what
/// the transaction assigns, the reference number (subject and context); everything else, JSON
/// included, is done beforehand, so the transaction that every submission waits for stays short.
/// (Staff links with the report's id come with the report's facts when the mail is rendered.)
public struct PreparedMail: Sendable {
    let kind: OutboxDraft.Kind
    let recipient: String
    let subjectBeforeReference: String
    let subjectAfterReference: String
    let template: String
    /// The context as a JSON object, without `reference`.
    let contextJSON: String

    package init(kind: OutboxDraft.Kind, recipient: String, subjectBeforeReference: String, subjectAfterReference: String, template: String,
         contextJSON: String) {
        self.kind = kind
        self.recipient = recipient
        self.subjectBeforeReference = subjectBeforeReference
        self.subjectAfterReference = subjectAfterReference
        self.template = template
        self.contextJSON = contextJSON
    }

    package func finish(reference: String) -> OutboxDraft {
        var json = "{\"reference\":"
        JSONText.append(reference, to: &json)
        let rest = contextJSON.dropFirst()
        json += rest == "}" ? "}" : "," + rest
        return OutboxDraft(kind: kind, recipient: recipient, subject: subjectBeforeReference + reference + subjectAfterReference,
                           body: .template(template, context: json))
    }
}

extension OutboxDraft.Kind {
    /// What the mail is, as the outbox page names it.
    public var label: LocalizedText {
        switch self {
        case .acknowledgement: LocalizedText(sv: "Kvittens till rapportören", en: "Acknowledgement to the reporter")
        case .ownerNotification: LocalizedText(sv: "Ny rapport till förvaltande funktion", en: "New report to the owning function")
        case .reply: LocalizedText(sv: "Svar till rapportören", en: "Reply to the reporter")
        case .assignment: LocalizedText(sv: "Tilldelning", en: "Assignment")
        case .escalation: LocalizedText(sv: "Eskalering", en: "Escalation")
        case .escalationNotice: LocalizedText(sv: "Besked om eskalering till rapportören", en: "Escalation notice to the reporter")
        case .reminder: LocalizedText(sv: "Påminnelse", en: "Reminder")
        case .passwordReset: LocalizedText(sv: "Länk för nytt lösenord", en: "Password reset link")
        case .summary: LocalizedText(sv: "Sammanställning", en: "Summary")
        case .statusChange: LocalizedText(sv: "Ny status till rapportören", en: "New status to the reporter")
        case .reporterAddition: LocalizedText(sv: "Ny information från rapportören", en: "New information from the reporter")
        case .mailRefused: LocalizedText(sv: "Mejl som inte kunde tas emot", en: "Mail that could not be accepted")
        }
    }
}

extension OutboxMessage.Status {
    public var label: LocalizedText {
        switch self {
        case .queued: LocalizedText(sv: "I kö", en: "Queued")
        case .sent: LocalizedText(sv: "Skickat", en: "Sent")
        case .dead: LocalizedText(sv: "Misslyckades", en: "Failed")
        }
    }
}
