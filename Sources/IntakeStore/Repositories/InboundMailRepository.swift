import Foundation
import GRDB
import IntakeDomain

/// A mail read from a mailbox: its unique key and the mailbox's label.
public struct InboundMailRecord: Sendable, Hashable {
    /// The Message-ID without brackets, or `sha256:<hex>` of the message when it has none.
    public var key: String
    public var mailbox: String

    public init(key: String, mailbox: String) {
        self.key = key
        self.mailbox = mailbox
    }

    public enum Outcome: String, Sendable {
        case report, addition, refused, ignored
    }
}

/// The report a reply belongs to, as matched by our Message-IDs or the reference in its subject.
public struct ReplyTarget: Sendable, Hashable {
    public var reportId: Int64
    public var reference: String
    public var reporterEmail: String?
}

/// What the mail intake remembers: which mails were handled (exactly once), and which reports
/// our own Message-IDs belong to.
public final class InboundMailRepository: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    package static func record(_ mail: InboundMailRecord, outcome: InboundMailRecord.Outcome, reportId: Int64?, now: any DatabaseValueConvertible,
                               in db: Database) throws {
        try db.execute(sql: "INSERT INTO inbound_mail (message_key, mailbox, outcome, report_id, handled_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [mail.key, mail.mailbox, outcome.rawValue, reportId, now])
    }

    /// How the mail was handled, or nil when it was not yet.
    public func outcome(of key: String) async throws -> InboundMailRecord.Outcome? {
        try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT outcome FROM inbound_mail WHERE message_key = ?", arguments: [key])
                .flatMap(InboundMailRecord.Outcome.init(rawValue:))
        }
    }

    /// Records a mail that caused no report (ignored, or refused with the mail explaining why),
    /// with the mails it causes, in one transaction. False when it was already recorded.
    @discardableResult
    public func recordWithoutReport(_ mail: InboundMailRecord, outcome: InboundMailRecord.Outcome, mails: [OutboxDraft], now: Date) async throws -> Bool {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM inbound_mail WHERE message_key = ?", arguments: [mail.key]) == true { return false }
            try Self.record(mail, outcome: outcome, reportId: nil, now: now, in: db)
            for draft in mails { try OutboxRepository.insert(draft, reportId: nil, now: now, in: db) }
            return true
        }
    }

    /// Whether a Message-ID (without brackets) is one of ours: `<unique>@<our domain>` of a queued mail.
    public func isOurs(messageId: String, domain: String) async throws -> Bool {
        guard let local = Self.localPart(messageId, domain: domain) else { return false }
        return try await database.pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox_message WHERE message_id = ?", arguments: [local]) == true
        }
    }

    static func localPart(_ messageId: String, domain: String) -> String? {
        guard let at = messageId.lastIndex(of: "@"), messageId[messageId.index(after: at)...].lowercased() == domain.lowercased() else { return nil }
        let local = String(messageId[..<at])
        return SecretToken.isWellFormed(local) ? local : nil
    }

    /// The report a reply answers: the first of `messageIds` (In-Reply-To, then References) that
    /// is one of our mails about a report, else the reference (`SB-2026-00042`) in the subject.
    public func replyTarget(messageIds: [String], subject: String, domain: String) async throws -> ReplyTarget? {
        let locals = messageIds.compactMap { Self.localPart($0, domain: domain) }
        let reference = Self.reference(in: subject)
        return try await database.pool.read { db in
            for local in locals {
                if let id = try Int64.fetchOne(db, sql: "SELECT report_id FROM outbox_message WHERE message_id = ? AND report_id IS NOT NULL", arguments: [local]),
                   let row = try Row.fetchOne(db, sql: "SELECT id, reference, reporter_email FROM report WHERE id = ?", arguments: [id]) {
                    return ReplyTarget(reportId: row["id"], reference: row["reference"], reporterEmail: row["reporter_email"])
                }
            }
            if let reference, let row = try Row.fetchOne(db, sql: "SELECT id, reference, reporter_email FROM report WHERE reference = ?", arguments: [reference]) {
                return ReplyTarget(reportId: row["id"], reference: row["reference"], reporterEmail: row["reporter_email"])
            }
            return nil
        }
    }

    /// `SB-YYYY-NNNNN` in a subject, the first one.
    public static func reference(in subject: String) -> String? {
        guard let match = subject.firstMatch(of: referencePattern) else { return nil }
        return String(match.output)
    }

    public func count() async throws -> [String: Int] {
        try await database.pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM inbound_mail GROUP BY outcome") {
                counts[row["outcome"]] = row["n"]
            }
            return counts
        }
    }
}

nonisolated(unsafe) private let referencePattern = /SB-\d{4}-\d{5}/
