import Foundation
import GRDB
import IntakeDomain

/// Reads for the staff side: queues, the report page, the reporter's tracking page.
public final class CaseRepository: Sendable {
    let database: AppDatabase
    let lifecycle: Lifecycle

    public init(database: AppDatabase, lifecycle: Lifecycle) {
        self.database = database
        self.lifecycle = lifecycle
    }

    var openStateKeys: [String] { lifecycle.states.filter(\.isOpen).map(\.key) }

    static let summaryColumns = """
        r.id, r.reference, r.region_key, r.agreement_key, r.organisation_key, r.state, r.received_at, r.feedback_due_on,
        r.assigned_user_id, u.name AS assigned_name, r.systemfel, r.escalation_level, r.channel, r.missing_fields
        """

    static func summary(_ row: Row) -> CaseSummary {
        CaseSummary(id: row["id"], reference: row["reference"], regionKey: row["region_key"], agreementKey: row["agreement_key"],
                    organisationKey: row["organisation_key"], stateKey: row["state"], receivedAt: row["received_at"],
                    feedbackDueOn: row["feedback_due_on"], assignedUserId: row["assigned_user_id"], assignedName: row["assigned_name"],
                    systemfel: row["systemfel"], escalationLevel: row["escalation_level"],
                    channelKey: row["channel"],
                    missingFields: (row["missing_fields"] as String?).map { $0.split(separator: ",").map(String.init) } ?? [])
    }

    // MARK: queues

    /// The ORDER BY of a queue or API list; the id breaks ties so paging is stable.
    static func orderClause(_ sort: QueueFilter.Sort, descending: Bool) -> String {
        let direction = descending ? "DESC" : "ASC"
        return switch sort {
        case .received: "r.received_at \(direction), r.id \(direction)"
        case .due: "r.feedback_due_on \(direction), r.id \(direction)"
        case .reference: "r.id \(direction)"
        case .state: "r.state \(direction), r.received_at DESC"
        }
    }

    /// The filters a queue and the staff API share, as SQL conditions on `report r`. An empty
    /// agreement key means "not classified".
    static func appendReportFilters(agreementKey: String?, partyKey: String?, channel: ReportChannel?, from: CalendarDay?, to: CalendarDay?,
                                    assigned: QueueFilter.Assigned,
                                    to conditions: inout [String], _ arguments: inout [any DatabaseValueConvertible]) {
        if let channel {
            conditions.append("r.channel = ?")
            arguments.append(channel.key)
        }
        if let agreement = agreementKey {
            conditions.append("r.agreement_key IS ?")
            arguments.append(agreement == "" ? String?.none : agreement)
        }
        if let party = partyKey {
            conditions.append("(r.organisation_key = ? OR EXISTS (SELECT 1 FROM report_party p WHERE p.report_id = r.id AND p.party_key = ?))")
            arguments.append(contentsOf: [party, party])
        }
        if let from {
            conditions.append("r.received_at >= ?")
            arguments.append(from.startInSweden)
        }
        if let to {
            conditions.append("r.received_at < ?")
            arguments.append(to.adding(days: 1).startInSweden)
        }
        switch assigned {
        case .anyone: break
        case .nobody: conditions.append("r.assigned_user_id IS NULL")
        case .user(let id):
            conditions.append("r.assigned_user_id = ?")
            arguments.append(id)
        }
    }

    public func queue(_ filter: QueueFilter, today: CalendarDay) async throws -> QueuePage {
        let open = openStateKeys
        return try await database.pool.read { db in
            var conditions = ["EXISTS (SELECT 1 FROM report_route rr WHERE rr.report_id = r.id AND rr.active = 1 AND rr.function_key = ?)"]
            var arguments: [any DatabaseValueConvertible] = [filter.functionKey]
            Self.appendReportFilters(agreementKey: filter.agreementKey, partyKey: filter.partyKey, channel: filter.channel, from: filter.from, to: filter.to,
                                     assigned: filter.assigned, to: &conditions, &arguments)
            let openList = open.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ",")
            let overdueCondition = "(r.state IN (\(openList)) AND r.feedback_due_on < ?)"
            if filter.overdueOnly {
                conditions.append(overdueCondition)
                arguments.append(today)
            }
            let baseWhere = conditions.joined(separator: " AND ")
            let baseArguments = arguments

            let counts = try Row.fetchAll(db, sql: "SELECT r.state, COUNT(*) AS n FROM report r WHERE \(baseWhere) GROUP BY r.state",
                                          arguments: StatementArguments(baseArguments))
            let countsByState = Dictionary(uniqueKeysWithValues: counts.map { ($0["state"] as String, $0["n"] as Int) })
            let overdue = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report r WHERE \(baseWhere) AND \(overdueCondition)",
                                           arguments: StatementArguments(baseArguments + [today])) ?? 0

            var where_ = baseWhere
            var listArguments = baseArguments
            if let state = filter.stateKey {
                where_ += " AND r.state = ?"
                listArguments.append(state)
            } else if filter.openOnly {
                where_ += " AND r.state IN (\(openList))"
            }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report r WHERE \(where_)", arguments: StatementArguments(listArguments)) ?? 0
            let order = Self.orderClause(filter.sort, descending: filter.descending)
            let paging = filter.paging.clamped(toTotal: total)
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.summaryColumns), substr(r.what_happened, 1, 300) AS excerpt FROM report r LEFT JOIN staff_user u ON u.id = r.assigned_user_id
                WHERE \(where_) ORDER BY \(order) LIMIT ? OFFSET ?
                """, arguments: StatementArguments(listArguments + [paging.size, paging.offset]))
            return QueuePage(rows: rows.map { row in
                var summary = Self.summary(row)
                summary.excerpt = row["excerpt"]
                return summary
            }, total: total, countsByState: countsByState, overdue: overdue, paging: paging)
        }
    }

    /// Open and overdue counts per function, for the staff start page.
    public func functionCounts(_ keys: [String], today: CalendarDay) async throws -> [String: (open: Int, overdue: Int, unassigned: Int)] {
        let open = openStateKeys
        return try await database.pool.read { db in
            var result: [String: (open: Int, overdue: Int, unassigned: Int)] = [:]
            let placeholders = Array(repeating: "?", count: open.count).joined(separator: ",")
            for key in keys {
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS open, COALESCE(SUM(r.feedback_due_on < ?), 0) AS overdue, COALESCE(SUM(r.assigned_user_id IS NULL), 0) AS unassigned
                    FROM report r JOIN report_route rr ON rr.report_id = r.id AND rr.active = 1 AND rr.function_key = ?
                    WHERE r.state IN (\(placeholders))
                    """, arguments: StatementArguments([today.description, key] + open))!
                result[key] = (row["open"], row["overdue"], row["unassigned"])
            }
            return result
        }
    }

    // MARK: one report

    /// The functions a report is routed to now, or nil when there is no such report.
    public func activeFunctions(reportId: Int64) async throws -> [String]? {
        try await database.pool.read { db in try Self.activeFunctions(reportId: reportId, in: db) }
    }

    package static func activeFunctions(reportId: Int64, in db: Database) throws -> [String]? {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM report WHERE id = ?", arguments: [reportId]) == true else { return nil }
        return try String.fetchAll(db, sql: "SELECT function_key FROM report_route WHERE report_id = ? AND active = 1 ORDER BY id", arguments: [reportId])
    }

    public func detail(id: Int64, includeContact: Bool) async throws -> CaseDetail? {
        try await database.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT r.*, u.name AS assigned_name FROM report r LEFT JOIN staff_user u ON u.id = r.assigned_user_id WHERE r.id = ?
                """, arguments: [id]) else { return nil }
            let routes = try Row.fetchAll(db, sql: "SELECT function_key, is_triage, routed_at, active FROM report_route WHERE report_id = ? ORDER BY id", arguments: [id])
                .map { CaseRoute(functionKey: $0["function_key"], isTriage: $0["is_triage"], routedAt: $0["routed_at"], active: $0["active"]) }
            let links = try Row.fetchAll(db, sql: """
                SELECT o.id, o.reference FROM report_link l JOIN report o ON o.id = l.linked_id WHERE l.report_id = ? ORDER BY o.id
                """, arguments: [id]).map { (id: $0["id"] as Int64, reference: $0["reference"] as String) }
            var contact: CaseDetail.Contact?
            if includeContact {
                contact = CaseDetail.Contact(name: row["reporter_name"], role: row["reporter_role"], email: row["reporter_email"], phone: row["reporter_phone"])
            }
            return CaseDetail(
                summary: Self.summary(row), trackingToken: row["tracking_token"], agreementVersion: row["agreement_version"],
                facts: try ReportFacts(row: row, in: db), updatedAt: row["updated_at"],
                firstFeedbackAt: row["first_feedback_at"], closedAt: row["closed_at"], routes: routes,
                messages: try Self.messages(reportId: id, kinds: [.note, .reply, .reporter], in: db), links: links,
                history: try AuditLog.entries(forReport: id, in: db), contact: contact,
                escalations: try Self.escalations(reportId: id, in: db))
        }
    }

    static func messages(reportId: Int64, kinds: [CaseMessage.Kind], in db: Database) throws -> [CaseMessage] {
        let list = kinds.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM report_message WHERE report_id = ? AND kind IN (\(list)) ORDER BY id", arguments: [reportId]).map {
            CaseMessage(id: $0["id"], kind: CaseMessage.Kind(rawValue: $0["kind"]) ?? .note, authorName: $0["author_name"], body: $0["body"],
                        createdAt: $0["created_at"], closesState: $0["closes_state"])
        }
    }

    static func escalations(reportId: Int64, in db: Database) throws -> [CaseEscalation] {
        try Row.fetchAll(db, sql: """
            SELECT e.level_key, e.reason, e.public_text, e.escalated_at, u.name FROM report_escalation e
            LEFT JOIN staff_user u ON u.id = e.escalated_by WHERE e.report_id = ? ORDER BY e.id
            """, arguments: [reportId]).map {
            CaseEscalation(levelKey: $0["level_key"], reason: $0["reason"], publicText: $0["public_text"], byName: $0["name"], at: $0["escalated_at"])
        }
    }

    /// The tracking page's view. A token that is not well formed still costs one lookup, so
    /// timing does not tell malformed and unknown tokens apart.
    public func tracking(token: String, reports: ReportRepository) async throws -> TrackingView? {
        let lookup = SecretToken.isWellFormed(token) ? token : String(repeating: "-", count: 32)
        guard let receipt = try await reports.receipt(token: lookup), SecretToken.isWellFormed(token) else { return nil }
        return try await database.pool.read { db -> TrackingView? in
            // Gone since the receipt was read (erased by retention): the same 404 as an unknown token.
            guard let row = try Row.fetchOne(db, sql: "SELECT updated_at, closed_at FROM report WHERE id = ?", arguments: [receipt.id]) else { return nil }
            let states = try Row.fetchAll(db, sql: """
                SELECT at, after_value FROM audit_log WHERE report_id = ? AND action IN ('report.received', 'report.state') ORDER BY id
                """, arguments: [receipt.id]).map { (at: $0["at"] as Date, stateKey: $0["after_value"] as String) }
            let outcome = try String.fetchOne(db, sql: "SELECT summary FROM report_outcome WHERE report_id = ? AND publishable = 1", arguments: [receipt.id])
            return TrackingView(receipt: receipt, updatedAt: row["updated_at"], closedAt: row["closed_at"],
                                messages: try Self.messages(reportId: receipt.id, kinds: [.reply, .reporter], in: db), stateHistory: states,
                                escalations: try Self.escalations(reportId: receipt.id, in: db).map { (at: $0.at, levelKey: $0.levelKey, publicText: $0.publicText) },
                                publishedOutcome: outcome)
        }
    }

    /// The outcome a handläggare wrote (what the report led to), published or not, for the report page.
    public func outcome(reportId: Int64) async throws -> CaseOutcome? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT summary, publishable FROM report_outcome WHERE report_id = ?", arguments: [reportId])
                .map { CaseOutcome(text: $0["summary"], publishable: $0["publishable"]) }
        }
    }

    /// Aggregates for analysts: reports per agreement and state. No report content.
    public func countsByAgreementAndState() async throws -> [(agreementKey: String?, stateKey: String, count: Int)] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT agreement_key, state, COUNT(*) AS n FROM report GROUP BY agreement_key, state ORDER BY agreement_key, state")
                .map { (agreementKey: $0["agreement_key"], stateKey: $0["state"], count: $0["n"]) }
        }
    }
}
