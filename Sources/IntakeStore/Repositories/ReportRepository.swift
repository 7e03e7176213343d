import Foundation
import GRDB
import IntakeDomain

public final class ReportRepository: Sendable {
    let database: AppDatabase
    private let writer: GroupCommitWriter

    public init(database: AppDatabase, metrics: AppMetrics? = nil) {
        self.database = database
        var onCommit, onCheckpoint: (@Sendable (Duration) -> Void)?
        if let metrics {
            onCommit = { duration in metrics.databaseWrite("report_commit", duration: duration) }
            onCheckpoint = { duration in metrics.databaseWrite("wal_checkpoint", duration: duration) }
        }
        writer = GroupCommitWriter(pool: database.pool, wal: database.wal, storage: database.storage, onCommit: onCommit,
                                   onCheckpoint: onCheckpoint)
    }

    /// Stores a report with its parties, routes and first history entry, and the mails it causes,
    /// all in one transaction. Returns only once that transaction is committed. `mails` is given
    /// the tracking token and feedback date and runs before the transaction. `channel` is how the
    /// report came in; `registeredBy` is who the history names as filing it (the reporter, or the
    /// handläggare who registered a phone call).
    public func file(
        _ draft: ReportDraft, channel: ReportChannel, initialState: String, now: Date,
        registeredBy actor: AuditActor = .reporter, filedWithToken tokenId: Int64? = nil,
        missingFields: [String] = [], inboundMail: InboundMailRecord? = nil,
        mails: (_ trackingToken: String, _ feedbackDueOn: CalendarDay) -> [PreparedMail] = { _, _ in [] }
    ) async throws -> FiledReport {
        let token = SecretToken.generateOrdered(now: now)
        let received = CalendarDay(now)
        let due = received.adding(days: draft.feedbackDays)
        let extraJSON = Self.extraFieldsJSON(draft.extraFields)
        let stamp = StoredTime(now)
        // Composed here, outside the transaction; only the reference is added inside it.
        let prepared = mails(token, due)
        return try await writer.perform { db in
            let sequence = try Int.fetchOne(db.cachedStatement(sql: """
                INSERT INTO reference_counter(year, last_value) VALUES (?, 1)
                ON CONFLICT(year) DO UPDATE SET last_value = last_value + 1
                RETURNING last_value
                """), arguments: [received.year])!
            let reference = ReferenceNumber.format(year: received.year, sequence: sequence)
            try db.cachedStatement(sql: """
                INSERT INTO report (reference, tracking_token, region_key, agreement_key, agreement_version, form_version,
                    organisation_key, occurred_on, what_happened, expected, consequences, improvement, extra_fields,
                    reporter_name, reporter_role, reporter_email, reporter_phone, language, state, received_at, updated_at,
                    feedback_due_on, channel)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    reference, token, draft.regionKey, draft.agreementKey, draft.agreementVersion, draft.formVersion,
                    draft.organisationKey, draft.occurredOn, draft.whatHappened, draft.expected, draft.consequences,
                    draft.improvement, extraJSON, draft.reporterName, draft.reporterRole, draft.reporterEmail,
                    draft.reporterPhone, draft.language.rawValue, initialState, stamp, stamp, due, channel.key,
                ])
            let id = db.lastInsertedRowID
            if let tokenId {
                try db.execute(sql: "UPDATE report SET filed_with_token_id = ? WHERE id = ?", arguments: [tokenId, id])
            }
            if !missingFields.isEmpty {
                try db.execute(sql: "UPDATE report SET missing_fields = ? WHERE id = ?", arguments: [missingFields.joined(separator: ","), id])
            }
            if let inboundMail {
                try InboundMailRepository.record(inboundMail, outcome: .report, reportId: id, now: stamp, in: db)
            }
            for party in draft.otherPartyKeys {
                try db.cachedStatement(sql: "INSERT INTO report_party (report_id, party_key) VALUES (?, ?)").execute(arguments: [id, party])
            }
            for route in draft.routes {
                try db.cachedStatement(sql: "INSERT INTO report_route (report_id, function_key, is_triage, routed_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id, route.functionKey, route.isTriage, stamp])
            }
            try AuditLog.record(AuditEntry(actor: actor, action: .received, reportId: id, after: initialState), at: stamp, in: db)
            let filed = FiledReport(id: id, reference: reference, trackingToken: token, receivedAt: now,
                                    feedbackDueOn: due, stateKey: initialState, channel: channel, draft: draft)
            for mail in prepared {
                try OutboxRepository.insert(mail.finish(reference: reference), reportId: id, now: stamp, in: db)
            }
            return filed
        }
    }

    public func receipt(token: String) async throws -> ReportReceipt? {
        guard SecretToken.isWellFormed(token) else { return nil }
        return try await database.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, reference, region_key, agreement_key, agreement_version, state, language, received_at,
                       feedback_due_on, reporter_email IS NOT NULL AS has_email
                FROM report WHERE tracking_token = ?
                """, arguments: [token]) else { return nil }
            let id: Int64 = row["id"]
            let routes = try Row.fetchAll(db, sql: "SELECT function_key, is_triage FROM report_route WHERE report_id = ? AND active = 1 ORDER BY id", arguments: [id])
                .map { Route(functionKey: $0["function_key"], isTriage: $0["is_triage"]) }
            return ReportReceipt(
                id: id, reference: row["reference"], regionKey: row["region_key"], agreementKey: row["agreement_key"],
                agreementVersion: row["agreement_version"], stateKey: row["state"],
                language: Language(parameter: row["language"]), receivedAt: row["received_at"],
                feedbackDueOn: row["feedback_due_on"], routes: routes, hasEmail: row["has_email"])
        }
    }

    /// A report registered from a phone call, for its confirmation page: the receipt, the tracking
    /// token (to give the caller) and the staff user the history names as registering it.
    /// nil for an unknown id or a report that came in another way.
    public func phoneRegistration(id: Int64) async throws -> (receipt: ReportReceipt, trackingToken: String, registeredBy: Int64?)? {
        let found = try await database.pool.read { db -> (String, Int64?)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT tracking_token, channel FROM report WHERE id = ?", arguments: [id]),
                  row["channel"] as String == ReportChannel.phone.key else { return nil }
            let registeredBy = try Int64.fetchOne(db, sql: """
                SELECT actor_user_id FROM audit_log WHERE report_id = ? AND action = ? ORDER BY id LIMIT 1
                """, arguments: [id, AuditAction.received.rawValue])
            return (row["tracking_token"], registeredBy)
        }
        guard let (token, registeredBy) = found, let receipt = try await receipt(token: token) else { return nil }
        return (receipt, token, registeredBy)
    }

    public func count() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0 }
    }
}
