import Foundation
import GRDB
import IntakeDomain

/// Who did something.
public enum AuditActor: Sendable, Hashable {
    case reporter
    case system
    case user(id: Int64, name: String)

    package var label: String {
        switch self {
        case .reporter: "reporter"
        case .system: "system"
        case .user(_, let name): name
        }
    }

    var userId: Int64? {
        if case .user(let id, _) = self { return id }
        return nil
    }
}

public enum AuditAction: String, Sendable, CaseIterable {
    case received = "report.received"
    case stateChanged = "report.state"
    case reclassified = "report.reclassified"
    case assigned = "report.assigned"
    case noteAdded = "report.note"
    case replied = "report.reply"
    case linked = "report.linked"
    case systemfel = "report.systemfel"
    case escalated = "report.escalated"
    case reporterAdded = "report.reporter-added"
    case reminderSent = "report.reminder"
    case outcome = "report.outcome"
    case userCreated = "user.created"
    case userChanged = "user.changed"
    case passwordResetRequested = "user.password-reset-requested"
    case passwordChanged = "user.password-changed"
    case loggedIn = "user.login"
    case loggedOut = "user.logout"
    case retention = "system.retention"
    case tokenCreated = "token.created"
    case tokenRevoked = "token.revoked"

    /// How the report page and the admin log describe it.
    public var label: LocalizedText {
        switch self {
        case .received: LocalizedText(sv: "Rapporten togs emot", en: "Report received")
        case .stateChanged: LocalizedText(sv: "Status ändrad", en: "Status changed")
        case .reclassified: LocalizedText(sv: "Omklassificerad", en: "Reclassified")
        case .assigned: LocalizedText(sv: "Tilldelad", en: "Assigned")
        case .noteAdded: LocalizedText(sv: "Intern anteckning", en: "Internal note")
        case .replied: LocalizedText(sv: "Svar till rapportören", en: "Reply to the reporter")
        case .linked: LocalizedText(sv: "Kopplad till rapport", en: "Linked to report")
        case .systemfel: LocalizedText(sv: "Systemfel", en: "Systemic failure")
        case .escalated: LocalizedText(sv: "Eskalerad", en: "Escalated")
        case .reporterAdded: LocalizedText(sv: "Rapportören lade till information", en: "The reporter added information")
        case .reminderSent: LocalizedText(sv: "Påminnelse skickad", en: "Reminder sent")
        case .outcome: LocalizedText(sv: "Utfall för lärandesidan", en: "Outcome for the learning page")
        case .userCreated: LocalizedText(sv: "Konto skapat", en: "Account created")
        case .userChanged: LocalizedText(sv: "Konto ändrat", en: "Account changed")
        case .passwordResetRequested: LocalizedText(sv: "Länk för nytt lösenord skickad", en: "Password reset link sent")
        case .passwordChanged: LocalizedText(sv: "Lösenord bytt", en: "Password changed")
        case .loggedIn: LocalizedText(sv: "Inloggning", en: "Logged in")
        case .loggedOut: LocalizedText(sv: "Utloggning", en: "Logged out")
        case .retention: LocalizedText(sv: "Gallring av kontaktuppgifter och gamla e-postmeddelanden", en: "Erasure of contact data and old mails")
        case .tokenCreated: LocalizedText(sv: "API-nyckel skapad", en: "API token created")
        case .tokenRevoked: LocalizedText(sv: "API-nyckel återkallad", en: "API token revoked")
        }
    }
}

public struct AuditEntry: Sendable, Hashable {
    public var id: Int64 = 0
    public var at = Date(timeIntervalSince1970: 0)
    public var actor: AuditActor
    public var action: AuditAction
    public var reportId: Int64?
    public var targetUserId: Int64?
    public var before: String?
    public var after: String?

    public init(actor: AuditActor, action: AuditAction, reportId: Int64? = nil, targetUserId: Int64? = nil, before: String? = nil, after: String? = nil) {
        self.actor = actor
        self.action = action
        self.reportId = reportId
        self.targetUserId = targetUserId
        self.before = before
        self.after = after
    }
}

/// The append-only audit log (triggers refuse UPDATE and DELETE). Written in the same
/// transaction as the change it records.
public enum AuditLog {
    package static func record(_ entry: AuditEntry, at: any DatabaseValueConvertible, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, actor_user_id, actor, action, report_id, target_user_id, before_value, after_value)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [at, entry.actor.userId, entry.actor.label, entry.action.rawValue, entry.reportId,
                             entry.targetUserId, entry.before, entry.after])
    }

    static func entries(forReport id: Int64, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE report_id = ? ORDER BY id", arguments: [id]).map(entry)
    }

    static func entries(forTargetUser id: Int64, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE target_user_id = ? ORDER BY id DESC LIMIT 200", arguments: [id]).map(entry)
    }

    package static func recent(limit: Int, beforeId: Int64?, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
                         arguments: [beforeId ?? Int64.max, limit]).map(entry)
    }

    private static func entry(_ row: Row) -> AuditEntry {
        let userId: Int64? = row["actor_user_id"]
        let label: String = row["actor"]
        let actor: AuditActor = if let userId { .user(id: userId, name: label) } else if label == "system" { .system } else { .reporter }
        var entry = AuditEntry(actor: actor, action: AuditAction(rawValue: row["action"]) ?? .userChanged,
                               reportId: row["report_id"], targetUserId: row["target_user_id"],
                               before: row["before_value"], after: row["after_value"])
        entry.id = row["id"]
        entry.at = row["at"]
        return entry
    }
}

/// A page of the audit log with what people know its ids by: reports by reference number (and
/// region, for the escalation levels' names), accounts by name. An id missing from `reports` or
/// `userNames` is a report or account no longer kept.
public struct AuditLogPage: Sendable {
    public var entries: [AuditEntry]
    public var reports: [Int64: (reference: String, regionKey: String)]
    public var userNames: [Int64: String]
}

extension AppDatabase {
    /// The newest `limit` entries before `beforeId` (all when nil), with their reports and accounts.
    package func auditLogPage(limit: Int, beforeId: Int64?) async throws -> AuditLogPage {
        try await pool.read { db in
            let entries = try AuditLog.recent(limit: limit, beforeId: beforeId, in: db)
            func marks(_ ids: [Int64]) -> String { ids.map { _ in "?" }.joined(separator: ",") }
            var reports: [Int64: (reference: String, regionKey: String)] = [:]
            let reportIds = Array(Set(entries.compactMap(\.reportId)))
            if !reportIds.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, reference, region_key FROM report WHERE id IN (\(marks(reportIds)))",
                                            arguments: StatementArguments(reportIds)) {
                    reports[row["id"]] = (row["reference"], row["region_key"])
                }
            }
            var users: [Int64: String] = [:]
            let userIds = Array(Set(entries.compactMap(\.targetUserId)))
            if !userIds.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, name FROM staff_user WHERE id IN (\(marks(userIds)))", arguments: StatementArguments(userIds)) {
                    users[row["id"]] = row["name"]
                }
            }
            return AuditLogPage(entries: entries, reports: reports, userNames: users)
        }
    }
}
