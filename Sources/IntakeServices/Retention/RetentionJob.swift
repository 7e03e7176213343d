import Foundation
import GRDB
import IntakeDomain
import IntakeStore

/// Erases reporter contact data when it is no longer needed and purges old mails, keeping the
/// reports themselves (and so the statistics and the tracking link) intact.
///
/// - Contact data (name, role, e-mail, phone) goes `contactRetentionDays` after a report was
///   closed, and from any report received more than `openReportMaxDays` ago.
/// - Sent and dead mails older than `outboxRetentionDays` are deleted (they carry addresses and
///   report text). Queued mails are never deleted.
/// Each run that changes something writes one audit-log entry with the counts.
public struct RetentionJob: Sendable {
    let database: AppDatabase
    let lifecycle: Lifecycle
    let contactRetentionDays: Int
    let openReportMaxDays: Int
    let outboxRetentionDays: Int

    public init(database: AppDatabase, lifecycle: Lifecycle, configuration: AppConfiguration) {
        self.database = database
        self.lifecycle = lifecycle
        contactRetentionDays = configuration.contactRetentionDays
        openReportMaxDays = configuration.openReportMaxDays
        outboxRetentionDays = configuration.outboxRetentionDays
    }

    public struct Result: Sendable, Equatable, CustomStringConvertible {
        public var closedReports = 0
        public var longOpenReports = 0
        public var mailsPurged = 0

        public var isEmpty: Bool { closedReports == 0 && longOpenReports == 0 && mailsPurged == 0 }
        public var description: String {
            "contact data erased from \(closedReports) closed and \(longOpenReports) long-open report(s); \(mailsPurged) old mail(s) purged"
        }
    }

    static let hasContact = "(reporter_name IS NOT NULL OR reporter_role IS NOT NULL OR reporter_email IS NOT NULL OR reporter_phone IS NOT NULL)"

    /// With `dryRun`, counts what a run would do and changes nothing.
    public func run(now: Date, dryRun: Bool = false) async throws -> Result {
        let closedStates = lifecycle.states.filter { !$0.isOpen }.map(\.key)
        let closedList = closedStates.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ",")
        let closedCutoff = now.addingTimeInterval(-Double(contactRetentionDays) * 86_400)
        let openCutoff = now.addingTimeInterval(-Double(openReportMaxDays) * 86_400)
        let outboxCutoff = now.addingTimeInterval(-Double(outboxRetentionDays) * 86_400)
        let closedWhere = "state IN (\(closedList.isEmpty ? "''" : closedList)) AND COALESCE(closed_at, updated_at) <= ? AND \(Self.hasContact)"
        let openWhere = "received_at <= ? AND \(Self.hasContact)"
        let outboxWhere = "status IN ('sent', 'dead') AND COALESCE(sent_at, created_at) <= ?"
        let count: @Sendable (Database) throws -> Result = { db in
            var result = Result()
            result.closedReports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE \(closedWhere)", arguments: [closedCutoff]) ?? 0
            result.longOpenReports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE \(openWhere) AND NOT (\(closedWhere))",
                                                      arguments: [openCutoff, closedCutoff]) ?? 0
            result.mailsPurged = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE \(outboxWhere)", arguments: [outboxCutoff]) ?? 0
            return result
        }
        // Counted first without the writer: the counts scan the report table (~1 s on 1,000,000
        // reports), and most hourly runs find nothing to do.
        let found = try await database.pool.read(count)
        guard !dryRun, !found.isEmpty else { return found }
        return try await database.pool.write { db in
            let result = try count(db)
            guard !result.isEmpty else { return result }
            let erase = "UPDATE report SET reporter_name = NULL, reporter_role = NULL, reporter_email = NULL, reporter_phone = NULL"
            try db.execute(sql: "\(erase) WHERE \(closedWhere)", arguments: [closedCutoff])
            try db.execute(sql: "\(erase) WHERE \(openWhere)", arguments: [openCutoff])
            try db.execute(sql: "DELETE FROM outbox_message WHERE \(outboxWhere)", arguments: [outboxCutoff])
            try AuditLog.record(AuditEntry(actor: .system, action: .retention, after: result.description), at: now, in: db)
            return result
        }
    }
}
