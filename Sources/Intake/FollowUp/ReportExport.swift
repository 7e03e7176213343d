import Foundation
import GRDB
import NIOCore

extension CalendarDay {
    /// Midnight at the start of this day in Swedish time.
    public var startInSweden: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDay.swedishTimeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }
}

/// CSV of the filtered reports, written page by page (keyset on id) so memory stays flat however
/// many rows there are. Never contact data and never free text: only catalogue values and dates.
public struct ReportExport: Sendable {
    public static let columns = [
        "referens", "lan", "overenskommelse", "overenskommelse_namn", "overenskommelse_version", "malgrupp",
        "rapporterande_part", "ovriga_parter", "status", "status_namn", "oppen", "mottagen", "aterkoppling_senast",
        "forsta_aterkoppling", "avslutad", "forsenad", "systemfel", "eskaleringsniva",
    ]

    let database: AppDatabase
    let catalogue: Catalogue
    public var separator: UInt8 = UInt8(ascii: ",")
    public var language: Language = .sv
    public var pageSize = 5000

    public init(database: AppDatabase, catalogue: Catalogue) {
        self.database = database
        self.catalogue = catalogue
    }

    /// The WHERE clause and its arguments for a filter (table alias `r`).
    static func whereClause(_ filter: FollowUpFilter, catalogue: Catalogue) -> (String, [any DatabaseValueConvertible & Sendable]) {
        var clauses = ["r.received_at >= ?", "r.received_at < ?"]
        var arguments: [any DatabaseValueConvertible & Sendable] = [filter.from.startInSweden, filter.to.adding(days: 1).startInSweden]
        if let region = filter.regionKey { clauses.append("r.region_key = ?"); arguments.append(region) }
        if let agreement = filter.agreementKey {
            if agreement.isEmpty { clauses.append("r.agreement_key IS NULL") } else { clauses.append("r.agreement_key = ?"); arguments.append(agreement) }
        }
        if let group = filter.targetGroupKey {
            let keys = catalogue.agreements.filter { $0.targetGroupKey == group }.map(\.key)
            clauses.append("r.agreement_key IN (\((keys.map { _ in "?" } + ["NULL"]).joined(separator: ",")))")
            arguments += keys
        }
        if let functions = filter.functionKeys {
            let keys = functions.sorted()
            clauses.append("EXISTS (SELECT 1 FROM report_route rr WHERE rr.report_id = r.id AND rr.active = 1 AND rr.function_key IN (\((keys.map { _ in "?" } + ["NULL"]).joined(separator: ","))))")
            arguments += keys
        }
        return (clauses.joined(separator: " AND "), arguments)
    }

    public func header() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes([0xEF, 0xBB, 0xBF]) // BOM: Excel then reads UTF-8
        for (i, column) in Self.columns.enumerated() {
            if i > 0 { buffer.writeInteger(separator) }
            buffer.writeString(column)
        }
        buffer.writeString("\r\n")
        return buffer
    }

    /// One page of rows after `afterId`; returns the bytes, the last id and the row count.
    public func page(_ filter: FollowUpFilter, afterId: Int64, today: CalendarDay) throws -> (ByteBuffer, Int64, Int) {
        let (clause, arguments) = Self.whereClause(filter, catalogue: catalogue)
        let sql = """
            SELECT r.id, r.reference, r.region_key, r.agreement_key, r.agreement_version, r.organisation_key,
                   (SELECT group_concat(party_key, '|') FROM report_party p WHERE p.report_id = r.id),
                   r.state, strftime('%Y-%m-%dT%H:%M:%SZ', r.received_at), r.feedback_due_on,
                   strftime('%Y-%m-%dT%H:%M:%SZ', r.first_feedback_at), strftime('%Y-%m-%dT%H:%M:%SZ', r.closed_at),
                   r.systemfel, r.escalation_level
            FROM report r WHERE r.id > ? AND \(clause) ORDER BY r.id LIMIT \(pageSize)
            """
        let catalogue = catalogue, language = language, separator = separator
        let todayText = today.description
        return try database.pool.read { db in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(pageSize * 200)
            var lastId = afterId, count = 0
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments([afterId] + arguments))
            var agreementNames: [String: (String, String)] = [:]
            while let row = try rows.next() {
                lastId = row[0]
                count += 1
                let agreementKey: String? = row[3]
                let stateKey: String = row[7]
                let state = catalogue.lifecycle.state(stateKey)
                let due: String = row[9]
                let open = state?.isOpen ?? true
                var names: (String, String) = ("", "")
                if let agreementKey {
                    if let cached = agreementNames[agreementKey] { names = cached } else {
                        let agreement = catalogue.agreement(agreementKey)
                        names = (agreement?.name[language] ?? agreementKey, agreement.flatMap { catalogue.targetGroup($0.targetGroupKey)?.name[language] } ?? "")
                        agreementNames[agreementKey] = names
                    }
                }
                func field(_ value: String?, first: Bool = false) {
                    if !first { buffer.writeInteger(separator) }
                    guard let value, !value.isEmpty else { return }
                    if value.utf8.contains(where: { $0 == separator || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
                        buffer.writeString("\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                    } else {
                        buffer.writeString(value)
                    }
                }
                field(row[1], first: true)
                field(row[2])
                field(agreementKey)
                field(names.0)
                field((row[4] as Int?).map(String.init))
                field(names.1)
                field(row[5])
                field(row[6])
                field(stateKey)
                field(state?.name[language] ?? stateKey)
                field(open ? "ja" : "nej")
                field(row[8])
                field(due)
                field(row[10])
                field(row[11])
                field(open && due < todayText ? "ja" : "nej")
                field((row[12] as Bool) ? "ja" : "nej")
                field(row[13])
                buffer.writeString("\r\n")
            }
            return (buffer, lastId, count)
        }
    }
}

extension AppDatabase {
    /// Records every agreement version loaded from Forms/ (first time seen), so the register can
    /// show the history of revisions; reports keep the version they were filed under.
    public func recordAgreementRevisions(_ catalogue: Catalogue, now: Date) throws {
        try pool.write { db in
            for agreement in catalogue.agreements {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO agreement_revision (agreement_key, version, valid_from, valid_to, next_revision, first_loaded_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [agreement.key, agreement.version, agreement.validFrom, agreement.validTo, agreement.nextRevision, now])
            }
        }
    }
}
