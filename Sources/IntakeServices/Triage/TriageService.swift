import Foundation
import GRDB
import IntakeDomain
import IntakeMail
import IntakeStore
import ServiceLifecycle

/// Every change a handläggare (or the reporter, or the reminder job) makes to a report: one
/// domain service for the web pages and the API. Each action checks access and the workflow
/// rules, then writes the change, its audit entry and its mails in one transaction.
public final class TriageService: Sendable {
    let database: AppDatabase
    let catalogue: Catalogue
    let composer: MailComposer
    let staff: StaffRepository
    let metrics: AppMetrics?

    public init(database: AppDatabase, catalogue: Catalogue, composer: MailComposer, staff: StaffRepository, metrics: AppMetrics? = nil) {
        self.database = database
        self.catalogue = catalogue
        self.composer = composer
        self.staff = staff
        self.metrics = metrics
    }

    /// The facts about a report every action needs, read inside the action's transaction.
    struct Core: Sendable {
        var id: Int64
        var reference: String
        var token: String
        var regionKey: String
        var agreementKey: String?
        var stateKey: String
        var language: Language
        var reporterEmail: String?
        var reporterName: String?
        var assignedUserId: Int64?
        var escalationLevel: String?
        var systemfel: Bool
        var receivedAt: Date
        var feedbackDueOn: CalendarDay
        var firstFeedbackAt: Date?
        var functionKeys: [String]
    }

    static func core(_ id: Int64, in db: Database) throws -> Core? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM report WHERE id = ?", arguments: [id]) else { return nil }
        let functions = try String.fetchAll(db, sql: "SELECT function_key FROM report_route WHERE report_id = ? AND active = 1 ORDER BY id", arguments: [id])
        return Core(id: id, reference: row["reference"], token: row["tracking_token"], regionKey: row["region_key"],
                    agreementKey: row["agreement_key"], stateKey: row["state"], language: Language(parameter: row["language"]),
                    reporterEmail: row["reporter_email"], reporterName: row["reporter_name"], assignedUserId: row["assigned_user_id"],
                    escalationLevel: row["escalation_level"], systemfel: row["systemfel"], receivedAt: row["received_at"],
                    feedbackDueOn: row["feedback_due_on"], firstFeedbackAt: row["first_feedback_at"], functionKeys: functions)
    }

    /// Runs an action on a report the user may work with, in one write transaction.
    private func act<T: Sendable>(_ reportId: Int64, by user: StaffUser, now: Date,
                                  _ body: @escaping @Sendable (Database, Core, AuditActor) throws -> T) async throws(ServiceError) -> T {
        guard AccessPolicy.canWorkWithReports(user) else { throw .forbidden }
        do {
            return try await database.pool.write { db in
                guard let core = try Self.core(reportId, in: db),
                      AccessPolicy.canSee(reportRoutedTo: core.functionKeys, by: user) else { throw ServiceError.notFound }
                let result = try body(db, core, .user(id: user.id, name: user.name))
                try db.execute(sql: "UPDATE report SET updated_at = ? WHERE id = ?", arguments: [now, reportId])
                return result
            }
        } catch let failure as ServiceError {
            throw failure
        } catch let refusal as Workflow.Refusal {
            throw .refused(refusal)
        } catch where StorageFailure.isStorageError(error) {
            database.storage.noteFailure(error, during: "report action")
            throw .storageUnavailable
        } catch {
            throw .notFound
        }
    }

    // MARK: state

    /// Moves the report to another state as the lifecycle allows. A closed target needs a final
    /// message to the reporter (`message`), privacy-checked like a reply: it is stored as the
    /// closing reply, shown first on the tracking page and carried in the closing mail itself.
    /// An open target takes an optional message, stored as a reply. Nothing changes when refused.
    public func changeState(_ reportId: Int64, to target: String, message: String? = nil, by user: StaffUser, now: Date,
                            confirmedNotNames: Set<String> = []) async throws(ServiceError) {
        let lifecycle = catalogue.lifecycle
        let composer = composer
        let closing = lifecycle.state(target).map { !$0.isOpen } ?? false
        let text: String?
        switch Workflow.checkStateMessage(message, closing: closing, names: catalogue.names, confirmed: confirmedNotNames) {
        case .success(let checked): text = checked
        case .failure(let refusal):
            // An unknown state or a forbidden transition is the better answer than a missing text.
            if case .failure(let transition) = Workflow.checkTransition(lifecycle, from: try await currentState(reportId, by: user), to: target) {
                throw .refused(transition)
            }
            throw .refused(refusal)
        }
        let previous = try await act(reportId, by: user, now: now) { db, core, actor in
            let state = try Workflow.checkTransition(lifecycle, from: core.stateKey, to: target).get()
            let closedAt: Date? = state.isOpen ? nil : now
            try db.execute(sql: "UPDATE report SET state = ?, closed_at = ? WHERE id = ?", arguments: [target, closedAt, core.id])
            try AuditLog.record(AuditEntry(actor: actor, action: .stateChanged, reportId: core.id, before: core.stateKey, after: target), at: now, in: db)
            if let text {
                try Self.insertMessage(core.id, kind: .reply, author: user, body: text, closesState: state.isOpen ? nil : target, now: now, in: db)
                try AuditLog.record(AuditEntry(actor: actor, action: .replied, reportId: core.id, after: text), at: now, in: db)
                try Self.markFirstFeedback(core, now: now, in: db)
            }
            if let email = core.reporterEmail {
                if state.notifiesReporter || !state.isOpen {
                    try OutboxRepository.insert(composer.statusChanged(reference: core.reference, token: core.token, language: core.language,
                                                                       state: state, message: text, recipient: email), reportId: core.id, now: now, in: db)
                    try Self.markFirstFeedback(core, now: now, in: db)
                } else if let text {
                    try OutboxRepository.insert(composer.reply(reference: core.reference, token: core.token, language: core.language,
                                                               text: text, recipient: email), reportId: core.id, now: now, in: db)
                }
            }
            return core.stateKey
        }
        metrics?.stateChanged(from: previous, to: target)
    }

    /// The report's state, for choosing which refusal to show; the access rules of every action apply.
    private func currentState(_ reportId: Int64, by user: StaffUser) async throws(ServiceError) -> String {
        guard AccessPolicy.canWorkWithReports(user) else { throw .forbidden }
        do {
            let found = try await database.pool.read { db -> String? in
                guard let core = try Self.core(reportId, in: db), AccessPolicy.canSee(reportRoutedTo: core.functionKeys, by: user) else { return nil }
                return core.stateKey
            }
            guard let found else { throw ServiceError.notFound }
            return found
        } catch let failure as ServiceError {
            throw failure
        } catch {
            throw .notFound
        }
    }

    static func markFirstFeedback(_ core: Core, now: Date, in db: Database) throws {
        if core.firstFeedbackAt == nil {
            try db.execute(sql: "UPDATE report SET first_feedback_at = ? WHERE id = ?", arguments: [now, core.id])
        }
    }

    // MARK: messages

    /// A reply is shown on the tracking page and mailed when the reporter left an e-mail address.
    public func reply(_ reportId: Int64, text: String, by user: StaffUser, now: Date, confirmedNotNames: Set<String> = []) async throws(ServiceError) {
        let body: String
        switch Workflow.checkText(text, names: catalogue.names, confirmed: confirmedNotNames) {
        case .success(let checked): body = checked
        case .failure(let refusal): throw .refused(refusal)
        }
        let composer = composer
        try await act(reportId, by: user, now: now) { db, core, actor in
            try Self.insertMessage(core.id, kind: .reply, author: user, body: body, now: now, in: db)
            try AuditLog.record(AuditEntry(actor: actor, action: .replied, reportId: core.id, after: body), at: now, in: db)
            if let email = core.reporterEmail {
                try OutboxRepository.insert(composer.reply(reference: core.reference, token: core.token, language: core.language,
                                                           text: body, recipient: email), reportId: core.id, now: now, in: db)
            }
            try Self.markFirstFeedback(core, now: now, in: db)
        }
    }

    public func addNote(_ reportId: Int64, text: String, by user: StaffUser, now: Date, confirmedNotNames: Set<String> = []) async throws(ServiceError) {
        let body: String
        switch Workflow.checkText(text, names: catalogue.names, confirmed: confirmedNotNames) {
        case .success(let checked): body = checked
        case .failure(let refusal): throw .refused(refusal)
        }
        try await act(reportId, by: user, now: now) { db, core, actor in
            try Self.insertMessage(core.id, kind: .note, author: user, body: body, now: now, in: db)
            try AuditLog.record(AuditEntry(actor: actor, action: .noteAdded, reportId: core.id), at: now, in: db)
        }
    }

    static func insertMessage(_ reportId: Int64, kind: CaseMessage.Kind, author: StaffUser?, body: String, closesState: String? = nil,
                              now: Date, in db: Database) throws {
        try db.execute(sql: "INSERT INTO report_message (report_id, kind, author_user_id, author_name, body, created_at, closes_state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [reportId, kind.rawValue, author?.id, author?.name ?? "reporter", body, now, closesState])
    }

    // MARK: assignment

    /// Assigns to an active handläggare in one of the report's functions (nil: nobody). Mails the new assignee.
    public func assign(_ reportId: Int64, to assigneeId: Int64?, by user: StaffUser, now: Date) async throws(ServiceError) {
        let composer = composer
        let staff = staff
        try await act(reportId, by: user, now: now) { db, core, actor in
            var assignee: StaffUser?
            if let assigneeId {
                guard let candidate = try staff.handlers(inFunctions: core.functionKeys, in: db).first(where: { $0.id == assigneeId }) else {
                    throw Workflow.Refusal.unknownUser
                }
                assignee = candidate
            }
            guard core.assignedUserId != assigneeId else { return }
            let before = try core.assignedUserId.flatMap { try String.fetchOne(db, sql: "SELECT name FROM staff_user WHERE id = ?", arguments: [$0]) }
            try db.execute(sql: "UPDATE report SET assigned_user_id = ? WHERE id = ?", arguments: [assigneeId, core.id])
            try AuditLog.record(AuditEntry(actor: actor, action: .assigned, reportId: core.id, before: before, after: assignee?.name), at: now, in: db)
            if let assignee, assignee.id != user.id {
                try OutboxRepository.insert(composer.assigned(reference: core.reference, reportId: core.id, agreementKey: core.agreementKey,
                                                              feedbackDue: core.feedbackDueOn, assignee: assignee, by: user.name),
                                            reportId: core.id, now: now, in: db)
            }
        }
    }

    // MARK: classification

    /// Moves the report to another agreement of its region: the routes change, the new owners are
    /// notified, the deadline follows the new agreement, and the old routes stay in the history.
    public func reclassify(_ reportId: Int64, to agreementKey: String, by user: StaffUser, now: Date) async throws(ServiceError) {
        let catalogue = catalogue
        let composer = composer
        try await act(reportId, by: user, now: now) { db, core, actor in
            guard let agreement = catalogue.agreement(agreementKey), agreement.regionKey == core.regionKey,
                  agreement.isValid(on: CalendarDay(now)), let region = catalogue.region(core.regionKey)
            else { throw Workflow.Refusal.unknownAgreement }
            guard agreement.key != core.agreementKey else { throw Workflow.Refusal.sameAgreement }
            let routes = Routing.routes(for: agreement, in: region, catalogue: catalogue)
            let due = CalendarDay(core.receivedAt).adding(days: catalogue.feedbackDays(for: agreement))
            try db.execute(sql: "UPDATE report_route SET active = 0 WHERE report_id = ? AND active = 1", arguments: [core.id])
            for route in routes {
                try db.execute(sql: "INSERT INTO report_route (report_id, function_key, is_triage, routed_at) VALUES (?, ?, ?, ?)",
                               arguments: [core.id, route.functionKey, route.isTriage, now])
            }
            try db.execute(sql: "UPDATE report SET agreement_key = ?, agreement_version = ?, feedback_due_on = ? WHERE id = ?",
                           arguments: [agreement.key, agreement.version, due, core.id])
            // An assignee outside the new functions no longer sees the report.
            if let assigned = core.assignedUserId {
                let members = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_membership WHERE user_id = ? AND function_key IN (\(routes.map { _ in "?" }.joined(separator: ",")))",
                                               arguments: StatementArguments([assigned] + routes.map(\.functionKey))) ?? 0
                if members == 0 { try db.execute(sql: "UPDATE report SET assigned_user_id = NULL WHERE id = ?", arguments: [core.id]) }
            }
            try AuditLog.record(AuditEntry(actor: actor, action: .reclassified, reportId: core.id,
                                           before: core.agreementKey ?? "-", after: agreement.key), at: now, in: db)
            guard let detail = try Self.notificationFacts(core.id, in: db) else { return }
            for mail in composer.ownerNotifications(detail, routes: routes, reclassifiedBy: user.name) {
                try OutboxRepository.insert(mail, reportId: core.id, now: now, in: db)
            }
        }
    }

    /// What an owner notification needs, read back after a change.
    static func notificationFacts(_ id: Int64, in db: Database) throws -> ReportFacts? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM report WHERE id = ?", arguments: [id]) else { return nil }
        return try ReportFacts(row: row, in: db)
    }

    // MARK: escalation, links, systemfel

    /// One step up the region's ladder, confirmed, with a reason for staff and a plain sentence for
    /// the reporter (both privacy-checked). That level's mailbox is notified; the reporter sees the
    /// step on the tracking page and is mailed when they left an address.
    public func escalate(_ reportId: Int64, reason: String, publicText: String, confirmed: Bool, by user: StaffUser, now: Date) async throws(ServiceError) {
        let checkedReason: String
        let checkedPublic: String
        switch Workflow.checkText(reason, maxLength: 2000, names: catalogue.names) {
        case .success(let text): checkedReason = text
        case .failure(.emptyText): throw .refused(.escalationReasonRequired)
        case .failure(let refusal): throw .refused(refusal)
        }
        switch Workflow.checkText(publicText, maxLength: 1000, names: catalogue.names) {
        case .success(let text): checkedPublic = text
        case .failure(.emptyText): throw .refused(.escalationPublicTextRequired)
        case .failure(let refusal): throw .refused(refusal)
        }
        guard confirmed else { throw .refused(.escalationNotConfirmed) }
        let catalogue = catalogue
        let composer = composer
        try await act(reportId, by: user, now: now) { db, core, actor in
            guard let region = catalogue.region(core.regionKey) else { throw Workflow.Refusal.noLadder }
            let level = try Workflow.nextEscalation(in: region, current: core.escalationLevel).get()
            try db.execute(sql: "UPDATE report SET escalation_level = ? WHERE id = ?", arguments: [level.key, core.id])
            try db.execute(sql: """
                INSERT INTO report_escalation (report_id, level_key, reason, public_text, escalated_by, escalated_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [core.id, level.key, checkedReason, checkedPublic, user.id, now])
            try AuditLog.record(AuditEntry(actor: actor, action: .escalated, reportId: core.id, before: core.escalationLevel, after: level.key), at: now, in: db)
            if let email = core.reporterEmail {
                try OutboxRepository.insert(composer.escalationNotice(reference: core.reference, token: core.token, language: core.language,
                                                                      level: level, text: checkedPublic, recipient: email),
                                            reportId: core.id, now: now, in: db)
            }
            guard let facts = try Self.notificationFacts(core.id, in: db) else { return }
            try OutboxRepository.insert(composer.escalated(facts, level: level, reason: checkedReason, publicText: checkedPublic, by: user.name),
                                        reportId: core.id, now: now, in: db)
        }
    }

    /// Links two reports (both ways); the other report must be one the user can see.
    public func link(_ reportId: Int64, toReference reference: String, by user: StaffUser, now: Date) async throws(ServiceError) {
        let wanted = reference.trimmingCharacters(in: .whitespaces).uppercased()
        try await act(reportId, by: user, now: now) { db, core, actor in
            guard let otherId = try Int64.fetchOne(db, sql: "SELECT id FROM report WHERE reference = ?", arguments: [wanted]),
                  let otherFunctions = try CaseRepository.activeFunctions(reportId: otherId, in: db),
                  AccessPolicy.canSee(reportRoutedTo: otherFunctions, by: user)
            else { throw Workflow.Refusal.unknownReport }
            guard otherId != core.id else { throw Workflow.Refusal.linkToSelf }
            try db.execute(sql: "INSERT OR IGNORE INTO report_link (report_id, linked_id) VALUES (?, ?), (?, ?)", arguments: [core.id, otherId, otherId, core.id])
            guard db.changesCount > 0 else { return }
            try AuditLog.record(AuditEntry(actor: actor, action: .linked, reportId: core.id, after: wanted), at: now, in: db)
            try AuditLog.record(AuditEntry(actor: actor, action: .linked, reportId: otherId, after: core.reference), at: now, in: db)
        }
    }

    /// Marks (or unmarks) a recurring problem as *systemfel*.
    public func setSystemfel(_ reportId: Int64, _ value: Bool, by user: StaffUser, now: Date) async throws(ServiceError) {
        try await act(reportId, by: user, now: now) { db, core, actor in
            guard core.systemfel != value else { return }
            try db.execute(sql: "UPDATE report SET systemfel = ? WHERE id = ?", arguments: [value, core.id])
            try AuditLog.record(AuditEntry(actor: actor, action: .systemfel, reportId: core.id, before: core.systemfel ? "ja" : "nej", after: value ? "ja" : "nej"), at: now, in: db)
        }
    }

    // MARK: outcome for the public learning page

    /// What the report led to, as a public, de-identified text; shown on /larande only when
    /// `publishable`. The privacy check refuses identity numbers and patient names.
    public func setOutcome(_ reportId: Int64, text: String, publishable: Bool, by user: StaffUser, now: Date, confirmedNotNames: Set<String> = []) async throws(ServiceError) {
        let body: String
        switch Workflow.checkText(text, maxLength: 2000, names: catalogue.names, confirmed: confirmedNotNames) {
        case .success(let checked): body = checked
        case .failure(let refusal): throw .refused(refusal)
        }
        try await act(reportId, by: user, now: now) { db, core, actor in
            let before = try Row.fetchOne(db, sql: "SELECT summary, publishable FROM report_outcome WHERE report_id = ?", arguments: [core.id])
            let beforeText: String? = before.map { row in ((row["publishable"] as Bool) ? "[publiceras] " : "[publiceras inte] ") + (row["summary"] as String) }
            let afterText = (publishable ? "[publiceras] " : "[publiceras inte] ") + body
            guard beforeText != afterText else { return }
            try db.execute(sql: """
                INSERT INTO report_outcome (report_id, summary, publishable, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(report_id) DO UPDATE SET summary = excluded.summary, publishable = excluded.publishable,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [core.id, body, publishable, now, user.id])
            try AuditLog.record(AuditEntry(actor: actor, action: .outcome, reportId: core.id, before: beforeText, after: afterText), at: now, in: db)
        }
    }

    // MARK: the reporter

    /// The reporter adds information from the tracking page; the handlers are notified.
    public func reporterAdds(token: String, text: String, now: Date, confirmedNotNames: Set<String> = []) async throws(ServiceError) {
        guard SecretToken.isWellFormed(token) else { throw .notFound }
        let body: String
        switch Workflow.checkText(text, names: catalogue.names, confirmed: confirmedNotNames) {
        case .success(let checked): body = checked
        case .failure(let refusal): throw .refused(refusal)
        }
        let catalogue = catalogue
        let composer = composer
        let staff = staff
        do {
            try await database.pool.write { db in
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM report WHERE tracking_token = ?", arguments: [token]),
                      let core = try Self.core(id, in: db) else { throw ServiceError.notFound }
                try Self.insertMessage(id, kind: .reporter, author: nil, body: body, now: now, in: db)
                try db.execute(sql: "UPDATE report SET updated_at = ? WHERE id = ?", arguments: [now, id])
                try AuditLog.record(AuditEntry(actor: .reporter, action: .reporterAdded, reportId: id), at: now, in: db)
                for recipient in try Self.handlerRecipients(core, catalogue: catalogue, staff: staff, in: db) {
                    try OutboxRepository.insert(composer.reporterAdded(reference: core.reference, reportId: id, text: body, recipient: recipient),
                                                reportId: id, now: now, in: db)
                }
            }
        } catch let failure as ServiceError {
            throw failure
        } catch where StorageFailure.isStorageError(error) {
            database.storage.noteFailure(error, during: "reporter addition")
            throw .storageUnavailable
        } catch {
            throw .notFound
        }
    }

    /// A reply by e-mail from the report's own address (matched by the mail intake): stored as
    /// the reporter's addition, the handlers notified, and the mail recorded as handled, all in
    /// one transaction. False when the mail was already handled.
    public func reporterAddsByMail(reportId: Int64, text: String, mail: InboundMailRecord, now: Date) async throws -> Bool {
        let catalogue = catalogue
        let composer = composer
        let staff = staff
        return try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM inbound_mail WHERE message_key = ?", arguments: [mail.key]) == true { return false }
            guard let core = try Self.core(reportId, in: db) else { throw ServiceError.notFound }
            try Self.insertMessage(reportId, kind: .reporter, author: nil, body: text, now: now, in: db)
            try db.execute(sql: "UPDATE report SET updated_at = ? WHERE id = ?", arguments: [now, reportId])
            try AuditLog.record(AuditEntry(actor: .reporter, action: .reporterAdded, reportId: reportId, after: "e-post"), at: now, in: db)
            for recipient in try Self.handlerRecipients(core, catalogue: catalogue, staff: staff, in: db) {
                try OutboxRepository.insert(composer.reporterAdded(reference: core.reference, reportId: reportId, text: text, recipient: recipient, byMail: true),
                                            reportId: reportId, now: now, in: db)
            }
            try InboundMailRepository.record(mail, outcome: .addition, reportId: reportId, now: now, in: db)
            return true
        }
    }

    /// Who hears about a report's news: its functions' mailboxes and the assigned handläggare
    /// (if still active in one of them), each once, in a stable order.
    static func handlerRecipients(_ core: Core, catalogue: Catalogue, staff: StaffRepository, in db: Database) throws -> [String] {
        var recipients = core.functionKeys.compactMap { catalogue.function($0)?.mailbox }
        if let assigned = core.assignedUserId, let user = try staff.handlers(inFunctions: core.functionKeys, in: db).first(where: { $0.id == assigned }) {
            recipients.append(user.email)
        }
        return Set(recipients).sorted()
    }

    // MARK: reminders

    /// Queues the reminders due today for every open report; each (report, kind, day) at most once.
    /// Returns how many reminder mails were queued.
    ///
    /// Which reports need one is read without holding the writer (the open reports near or past
    /// their deadline, less the reminders already recorded); they are then queued
    /// `reminderBatch` reports per write transaction, each checked again inside it. A database
    /// with many overdue open reports used to hold the writer for the whole pass, every 15 minutes
    /// (65 s on 500,000 of them), so new reports waited and a stop waited with them. A stop ends
    /// the pass between batches.
    @discardableResult
    public func sendDueReminders(now: Date, batch batchSize: Int = reminderBatch) async throws -> Int {
        let today = CalendarDay(now)
        let policy = catalogue.reminders
        let catalogue = catalogue
        let composer = composer
        let staff = staff
        let open = Set(catalogue.lifecycle.states.filter(\.isOpen).map(\.key))
        let pending = try await database.pool.read { db in try Self.pendingReminders(today: today, policy: policy, openStates: open, in: db) }
        var queued = 0
        var start = 0
        // Graceful shutdown or cancellation ends the pass between batches: what is not recorded yet is
        // still pending at the next pass.
        while start < pending.count && !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch = pending[start..<min(start + max(batchSize, 1), pending.count)]
            start += batch.count
            queued += try await database.pool.write { db in
                var queued = 0
                for id in batch {
                    guard let core = try Self.core(id, in: db), open.contains(core.stateKey),
                          let due = Workflow.reminderDue(feedbackDue: core.feedbackDueOn, today: today, policy: policy) else { continue }
                    try db.execute(sql: "INSERT OR IGNORE INTO reminder_sent (report_id, kind, for_day, sent_at) VALUES (?, ?, ?, ?)",
                                   arguments: [id, due.kind.rawValue, due.forDay, now])
                    guard db.changesCount == 1 else { continue }
                    for recipient in try Self.handlerRecipients(core, catalogue: catalogue, staff: staff, in: db) {
                        try OutboxRepository.insert(composer.reminder(reference: core.reference, reportId: id, agreementKey: core.agreementKey,
                                                                      feedbackDue: core.feedbackDueOn, overdue: due.kind == .overdue, recipient: recipient),
                                                    reportId: id, now: now, in: db)
                        queued += 1
                    }
                    try AuditLog.record(AuditEntry(actor: .system, action: .reminderSent, reportId: id, after: due.kind.rawValue), at: now, in: db)
                }
                return queued
            }
        }
        return queued
    }

    /// Reports per write transaction of a reminder pass.
    public static let reminderBatch = 100

    /// The open reports with a reminder due today that is not yet recorded, in id order.
    static func pendingReminders(today: CalendarDay, policy: ReminderPolicy, openStates: Set<String>, in db: Database) throws -> [Int64] {
        // A reminder due today is for a day at most this many days back (`Workflow.reminderDue`):
        // older records cannot match and are not read. The bound only saves reading; the insert
        // above is what keeps a reminder from going twice.
        let lookBack = max(policy.overdueEveryDays, policy.daysBeforeDeadline, 1)
        struct Sent: Hashable { var id: Int64; var kind: String; var day: CalendarDay }
        var sent = Set<Sent>()
        let records = try Row.fetchCursor(db, sql: "SELECT report_id, kind, for_day FROM reminder_sent WHERE for_day >= ?",
                                          arguments: [today.adding(days: -lookBack)])
        while let row = try records.next() {
            // Decoded with `try?`: a value that is not a day is skipped, never a trap.
            if let id = try? row.decode(Int64.self, atIndex: 0), let kind = try? row.decode(String.self, atIndex: 1),
               let day = try? row.decode(CalendarDay.self, atIndex: 2) { sent.insert(Sent(id: id, kind: kind, day: day)) }
        }
        let states = Array(openStates).sorted()
        let candidates = try Row.fetchCursor(db, sql: """
            SELECT id, feedback_due_on FROM report WHERE feedback_due_on <= ? AND state IN (\(states.map { _ in "?" }.joined(separator: ","))) ORDER BY id
            """, arguments: StatementArguments([today.adding(days: policy.daysBeforeDeadline)] + states))
        var pending: [Int64] = []
        while let row = try candidates.next() {
            guard let id = try? row.decode(Int64.self, atIndex: 0), let feedbackDue = try? row.decode(CalendarDay.self, atIndex: 1),
                  let due = Workflow.reminderDue(feedbackDue: feedbackDue, today: today, policy: policy),
                  !sent.contains(Sent(id: id, kind: due.kind.rawValue, day: due.forDay)) else { continue }
            pending.append(id)
        }
        return pending
    }
}
