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

    public var kind: Kind
    public var recipient: String
    public var subject: String
    public var textBody: String
    public var htmlBody: String

    public init(kind: Kind, recipient: String, subject: String, textBody: String, htmlBody: String) {
        self.kind = kind
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}
