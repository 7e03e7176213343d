import Foundation
import GRDB
import IntakeDomain

extension OutboxMessage {
    /// From an `outbox_message` row (the report's facts are read separately, `withFacts`).
    init(row: Row) {
        self.init(id: row["id"], messageId: row["message_id"], kind: row["kind"], reportId: row["report_id"], recipient: row["recipient"],
                  subject: row["subject"], textBody: row["text_body"], htmlBody: row["html_body"], template: row["template"],
                  templateContext: row["template_context"], status: Status(rawValue: row["status"]) ?? .queued, attempts: row["attempts"],
                  createdAt: row["created_at"], nextAttemptAt: row["next_attempt_at"], sentAt: row["sent_at"], lastError: row["last_error"])
    }
}

public struct OutboxCounts: Sendable, Hashable {
    public var queued = 0
    public var sent = 0
    public var dead = 0
}

public final class OutboxRepository: Sendable {
    package let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Queues a mail inside the caller's transaction, so it exists if and only if its event does.
    package static func insert(_ mail: OutboxDraft, reportId: Int64?, now: any DatabaseValueConvertible, in db: Database) throws {
        let (text, html, template, context): (String, String, String?, String?) = switch mail.body {
        case .rendered(let text, let html): (text, html, nil, nil)
        case .template(let name, let context): ("", "", name, context)
        }
        try db.cachedStatement(sql: """
            INSERT INTO outbox_message (message_id, kind, report_id, recipient, subject, text_body, html_body, template, template_context,
                                        status, created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
            """).execute(arguments: [SecretToken.generateOrdered(), mail.kind.rawValue, reportId, mail.recipient, mail.subject,
                             text, html, template, context, now, now])
    }

    public func enqueue(_ mails: [OutboxDraft], reportId: Int64? = nil, now: Date) async throws {
        try await database.pool.write { db in
            for mail in mails { try Self.insert(mail, reportId: reportId, now: now, in: db) }
        }
    }

    public func due(now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await database.pool.read { db in
            try Self.withFacts(Row.fetchAll(db, sql: """
                SELECT * FROM outbox_message WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [now, limit]).map(OutboxMessage.init(row:)), in: db)
        }
    }

    /// Reads the report's facts for the messages whose context asks for them.
    static func withFacts(_ messages: [OutboxMessage], in db: Database) throws -> [OutboxMessage] {
        var cache: [Int64: ReportFacts] = [:]
        return try messages.map { message in
            guard let reportId = message.reportId, message.templateContext?.contains("\"\(OutboxDraft.reportFactsKey)\":true") == true
            else { return message }
            var message = message
            if let facts = cache[reportId] {
                message.reportFacts = facts
            } else if let row = try Row.fetchOne(db, sql: "SELECT * FROM report WHERE id = ?", arguments: [reportId]) {
                let facts = try ReportFacts(row: row, in: db)
                cache[reportId] = facts
                message.reportFacts = facts
            }
            return message
        }
    }

    /// What became of one delivery attempt.
    public enum Outcome: Sendable {
        case sent(at: Date)
        case retry(error: String, nextAttempt: Date)
        case dead(error: String)
    }

    /// Records a whole batch of attempts in one transaction: one fsync per batch instead of one
    /// per mail, which otherwise competes with the reports' group commits for the disk.
    public func record(_ outcomes: [(id: Int64, outcome: Outcome)]) async throws {
        guard !outcomes.isEmpty else { return }
        try await database.pool.write { db in
            for (id, outcome) in outcomes {
                switch outcome {
                case .sent(let now):
                    try db.cachedStatement(sql: "UPDATE outbox_message SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
                        .execute(arguments: [now, id])
                case .retry(let error, let nextAttempt):
                    try db.cachedStatement(sql: "UPDATE outbox_message SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?")
                        .execute(arguments: [error, nextAttempt, id])
                case .dead(let error):
                    try db.cachedStatement(sql: "UPDATE outbox_message SET status = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?")
                        .execute(arguments: [error, id])
                }
            }
        }
    }

    /// Newest first; `beforeId` continues a listing after the last message of the previous page.
    public func list(status: OutboxMessage.Status? = nil, limit: Int = 100, beforeId: Int64? = nil) async throws -> [OutboxMessage] {
        try await database.pool.read { db in
            let before = beforeId ?? Int64.max
            if let status {
                return try Row.fetchAll(db, sql: "SELECT * FROM outbox_message WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                        arguments: [status.rawValue, before, limit]).map(OutboxMessage.init(row:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM outbox_message WHERE id < ? ORDER BY id DESC LIMIT ?", arguments: [before, limit])
                .map(OutboxMessage.init(row:))
        }
    }

    public func message(_ id: Int64) async throws -> OutboxMessage? {
        try await database.pool.read { db in
            try Self.withFacts(Row.fetchAll(db, sql: "SELECT * FROM outbox_message WHERE id = ?", arguments: [id]).map(OutboxMessage.init(row:)), in: db).first
        }
    }

    /// Puts a dead (or queued) message back in the queue to be sent at once. Sent messages stay sent.
    @discardableResult
    public func retry(_ id: Int64, now: Date) async throws -> Bool {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE outbox_message SET status = 'queued', next_attempt_at = ?, attempts = 0 WHERE id = ? AND status != 'sent'",
                           arguments: [now, id])
            return db.changesCount > 0
        }
    }

    public func retryDead(now: Date) async throws -> Int {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE outbox_message SET status = 'queued', next_attempt_at = ?, attempts = 0 WHERE status = 'dead'",
                           arguments: [now])
            return db.changesCount
        }
    }

    public func counts() async throws -> OutboxCounts {
        try await database.pool.read { db in
            var counts = OutboxCounts()
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox_message GROUP BY status") {
                let n: Int = row["n"]
                switch OutboxMessage.Status(rawValue: row["status"]) {
                case .queued: counts.queued = n
                case .sent: counts.sent = n
                case .dead: counts.dead = n
                case nil: break
                }
            }
            return counts
        }
    }
}
