import Foundation
import GRDB
import IntakeDomain

/// One report as Open311 shows it. The text and the replies are only filled in for a client
/// allowed to read them; contact data is never read here at all.
public struct PublicRequestRow: Sendable {
    public var id: Int64
    public var reference: String
    public var regionKey: String
    public var agreementKey: String?
    public var stateKey: String
    public var receivedAt: Date
    public var updatedAt: Date
    public var feedbackDueOn: CalendarDay
    public var functionKeys: [String]
    public var filedWithTokenId: Int64?
    public var whatHappened: String
    /// The newest reply to the reporter (what the reporter's tracking page shows), if any.
    public var latestReply: String?
}

/// GET requests filters (GeoReport v2). `references` wins over everything else, as the specification says.
public struct Open311RequestFilter: Sendable {
    public var references: [String]?
    /// Agreement keys and regions whose unclassified reports (`vet-inte-<region>`) are wanted; nil: every service.
    public var agreementKeys: [String]?
    public var unclassifiedRegions: [String] = []
    public var regionKey: String?
    public var from: Date
    public var to: Date
    public var stateKeys: [String]?
    public var limit = 1000

    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }
}

/// The staff API's list filters: like a queue page's, but across every function the user may see.
public struct APIReportFilter: Sendable {
    public var functionKey: String?
    public var stateKey: String?
    /// "" for reports with no agreement.
    public var agreementKey: String?
    public var regionKey: String?
    public var channel: ReportChannel?
    public var partyKey: String?
    public var from: CalendarDay?
    public var to: CalendarDay?
    public var assigned: QueueFilter.Assigned = .anyone
    public var openOnly = false
    public var overdueOnly = false
    public var sort: QueueFilter.Sort = .received
    public var descending = true
    public var paging = PageRequest(page: 1, size: 25)

    public init() {}
}

extension CaseRepository {
    // MARK: Open311

    public func open311Requests(_ filter: Open311RequestFilter) async throws -> [PublicRequestRow] {
        try await database.pool.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let references = filter.references {
                guard !references.isEmpty else { return [] }
                conditions.append("r.reference IN (\(references.map { _ in "?" }.joined(separator: ",")))")
                arguments.append(contentsOf: references)
            } else {
                conditions.append("r.received_at >= ? AND r.received_at <= ?")
                arguments.append(contentsOf: [filter.from, filter.to])
                if let region = filter.regionKey {
                    conditions.append("r.region_key = ?")
                    arguments.append(region)
                }
                if let keys = filter.agreementKeys {
                    var alternatives: [String] = []
                    if !keys.isEmpty {
                        alternatives.append("r.agreement_key IN (\(keys.map { _ in "?" }.joined(separator: ",")))")
                        arguments.append(contentsOf: keys)
                    }
                    if !filter.unclassifiedRegions.isEmpty {
                        alternatives.append("(r.agreement_key IS NULL AND r.region_key IN (\(filter.unclassifiedRegions.map { _ in "?" }.joined(separator: ","))))")
                        arguments.append(contentsOf: filter.unclassifiedRegions)
                    }
                    conditions.append(alternatives.isEmpty ? "0" : "(" + alternatives.joined(separator: " OR ") + ")")
                }
                if let states = filter.stateKeys {
                    conditions.append(states.isEmpty ? "0" : "r.state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
                    arguments.append(contentsOf: states)
                }
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.reference, r.region_key, r.agreement_key, r.state, r.received_at, r.updated_at, r.feedback_due_on,
                       r.filed_with_token_id, r.what_happened
                FROM report r WHERE \(conditions.joined(separator: " AND ")) ORDER BY r.received_at DESC, r.id DESC LIMIT ?
                """, arguments: StatementArguments(arguments + [filter.limit]))
            return try rows.map { row in
                let id: Int64 = row["id"]
                return PublicRequestRow(
                    id: id, reference: row["reference"], regionKey: row["region_key"], agreementKey: row["agreement_key"],
                    stateKey: row["state"], receivedAt: row["received_at"], updatedAt: row["updated_at"], feedbackDueOn: row["feedback_due_on"],
                    functionKeys: try Self.activeFunctions(reportId: id, in: db) ?? [], filedWithTokenId: row["filed_with_token_id"],
                    whatHappened: row["what_happened"],
                    latestReply: try String.fetchOne(db, sql: "SELECT body FROM report_message WHERE report_id = ? AND kind = 'reply' ORDER BY id DESC LIMIT 1", arguments: [id]))
            }
        }
    }

    // MARK: staff API

    /// The reports a user may see, filtered and paged; with each row's active functions.
    public func apiList(_ filter: APIReportFilter, visibleTo user: StaffUser, today: CalendarDay) async throws -> (rows: [(CaseSummary, [String])], total: Int) {
        let open = openStateKeys
        return try await database.pool.read { db in
            var conditions: [String] = ["1"]
            var arguments: [any DatabaseValueConvertible] = []
            switch user.role {
            case .admin: break
            case .handlaggare:
                let keys = Array(user.functionKeys)
                conditions.append(keys.isEmpty ? "0" : "EXISTS (SELECT 1 FROM report_route rr WHERE rr.report_id = r.id AND rr.active = 1 AND rr.function_key IN (\(keys.map { _ in "?" }.joined(separator: ","))))")
                arguments.append(contentsOf: keys)
            case .analytiker: conditions.append("0")
            }
            if let function = filter.functionKey {
                conditions.append("EXISTS (SELECT 1 FROM report_route rr WHERE rr.report_id = r.id AND rr.active = 1 AND rr.function_key = ?)")
                arguments.append(function)
            }
            if let state = filter.stateKey {
                conditions.append("r.state = ?")
                arguments.append(state)
            }
            if let region = filter.regionKey {
                conditions.append("r.region_key = ?")
                arguments.append(region)
            }
            Self.appendReportFilters(agreementKey: filter.agreementKey, partyKey: filter.partyKey, channel: filter.channel, from: filter.from, to: filter.to,
                                     assigned: filter.assigned, to: &conditions, &arguments)
            let openList = open.isEmpty ? "NULL" : open.map { _ in "?" }.joined(separator: ",")
            if filter.openOnly || filter.overdueOnly {
                conditions.append("r.state IN (\(openList))")
                arguments.append(contentsOf: open)
            }
            if filter.overdueOnly {
                conditions.append("r.feedback_due_on < ?")
                arguments.append(today)
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report r WHERE \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
            let order = Self.orderClause(filter.sort, descending: filter.descending)
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.summaryColumns) FROM report r LEFT JOIN staff_user u ON u.id = r.assigned_user_id
                WHERE \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + [filter.paging.size, filter.paging.offset]))
            return (try rows.map { row in
                let summary = Self.summary(row)
                return (summary, try Self.activeFunctions(reportId: summary.id, in: db) ?? [])
            }, total)
        }
    }

    /// A report's id from its reference number (`SB-2026-00042`).
    public func reportId(reference: String) async throws -> Int64? {
        try await database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM report WHERE reference = ?", arguments: [reference.uppercased()])
        }
    }
}
