import Foundation

/// A mail caused by an event, ready to be queued in the same transaction as the event.
public struct OutboxDraft: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case acknowledgement
        case ownerNotification = "owner-notification"
        case reply
        case assignment
        case escalation
        case reminder
        case passwordReset = "password-reset"
        case summary
        case statusChange = "status-change"
        case reporterAddition = "reporter-addition"
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
