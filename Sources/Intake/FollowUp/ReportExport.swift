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

    /// The rows with `afterId < id <= upToId`, as CSV bytes, read on one of the pool's reader
    /// connections (several ranges can be read at once).
    public func range(_ filter: FollowUpFilter, afterId: Int64, upToId: Int64, today: CalendarDay) async throws -> ByteBuffer {
        var copy = self
        copy.pageSize = Int.max
        return try await copy.rows(filter, afterId: afterId, upToId: upToId, today: today).0
    }

    /// One page of rows after `afterId`; returns the bytes, the last id and the row count.
    public func page(_ filter: FollowUpFilter, afterId: Int64, today: CalendarDay) async throws -> (ByteBuffer, Int64, Int) {
        try await rows(filter, afterId: afterId, upToId: Int64.max, today: today)
    }

    func rows(_ filter: FollowUpFilter, afterId: Int64, upToId: Int64, today: CalendarDay) async throws -> (ByteBuffer, Int64, Int) {
        let (clause, arguments) = Self.whereClause(filter, catalogue: catalogue)
        let sql = """
            SELECT r.id, r.reference, r.region_key, r.agreement_key, r.agreement_version, r.organisation_key,
                   (SELECT group_concat(party_key, '|') FROM report_party p WHERE p.report_id = r.id),
                   r.state, r.received_at, r.feedback_due_on, r.first_feedback_at, r.closed_at,
                   r.systemfel, r.escalation_level
            FROM report r WHERE r.id > ? AND r.id <= ? AND \(clause) ORDER BY r.id\(pageSize == Int.max ? "" : " LIMIT \(pageSize)")
            """
        let catalogue = catalogue, language = language, separator = separator
        let todayBytes = Array(today.description.utf8)
        let reserve = min(pageSize, 20_000) * 300
        return try await database.pool.read { db in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(reserve)
            var lastId = afterId, count = 0
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments([afterId, upToId] + arguments))
            // Column bytes are copied straight from SQLite into the buffer; names are looked up
            // once per distinct key. No String per cell on this path.
            var agreementNames: [Data: (name: String, group: String)] = [:]
            var stateNames: [Data: (name: String, open: Bool)] = [:]
            let quote = UInt8(ascii: "\"")
            func needsQuotes(_ bytes: some Sequence<UInt8>) -> Bool {
                bytes.contains { $0 == separator || $0 == quote || $0 == 10 || $0 == 13 }
            }
            func write(_ bytes: Data?) {
                guard let bytes, !bytes.isEmpty else { return }
                if needsQuotes(bytes) {
                    buffer.writeInteger(quote)
                    for b in bytes { if b == quote { buffer.writeInteger(quote) }; buffer.writeInteger(b) }
                    buffer.writeInteger(quote)
                } else {
                    buffer.writeBytes(bytes)
                }
            }
            func write(_ text: String) {
                guard !text.isEmpty else { return }
                if needsQuotes(text.utf8) {
                    buffer.writeString("\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                } else {
                    buffer.writeString(text)
                }
            }
            let yes = Array("ja".utf8), no = Array("nej".utf8)
            /// A stored date (`2026-02-28 12:33:50.000`, UTC) as ISO 8601 `2026-02-28T12:33:50Z`.
            func writeTimestamp(_ bytes: Data?) {
                guard let bytes, bytes.count >= 19 else { return }
                let start = bytes.startIndex
                buffer.writeBytes(bytes[start..<start + 10])
                buffer.writeInteger(UInt8(ascii: "T"))
                buffer.writeBytes(bytes[start + 11..<start + 19])
                buffer.writeInteger(UInt8(ascii: "Z"))
            }
            while let row = try rows.next() {
                lastId = row[0]
                count += 1
                let agreementKey = row.dataNoCopy(atIndex: 3)
                var names: (name: String, group: String) = ("", "")
                if let agreementKey {
                    if let cached = agreementNames[agreementKey] { names = cached } else {
                        let key = String(decoding: agreementKey, as: UTF8.self)
                        let agreement = catalogue.agreement(key)
                        names = (agreement?.name[language] ?? key, agreement.flatMap { catalogue.targetGroup($0.targetGroupKey)?.name[language] } ?? "")
                        agreementNames[Data(Array(agreementKey))] = names
                    }
                }
                let stateKey = row.dataNoCopy(atIndex: 7) ?? Data()
                let state: (name: String, open: Bool)
                if let cached = stateNames[stateKey] { state = cached } else {
                    let key = String(decoding: stateKey, as: UTF8.self)
                    let found = catalogue.lifecycle.state(key)
                    state = (found?.name[language] ?? key, found?.isOpen ?? true)
                    stateNames[Data(Array(stateKey))] = state
                }
                let due = row.dataNoCopy(atIndex: 9) ?? Data()
                write(row.dataNoCopy(atIndex: 1)); buffer.writeInteger(separator)
                write(row.dataNoCopy(atIndex: 2)); buffer.writeInteger(separator)
                write(agreementKey); buffer.writeInteger(separator)
                write(names.name); buffer.writeInteger(separator)
                write(row.dataNoCopy(atIndex: 4)); buffer.writeInteger(separator)
                write(names.group); buffer.writeInteger(separator)
                write(row.dataNoCopy(atIndex: 5)); buffer.writeInteger(separator)
                write(row.dataNoCopy(atIndex: 6)); buffer.writeInteger(separator)
                write(stateKey); buffer.writeInteger(separator)
                write(state.name); buffer.writeInteger(separator)
                buffer.writeBytes(state.open ? yes : no); buffer.writeInteger(separator)
                writeTimestamp(row.dataNoCopy(atIndex: 8)); buffer.writeInteger(separator)
                write(due); buffer.writeInteger(separator)
                writeTimestamp(row.dataNoCopy(atIndex: 10)); buffer.writeInteger(separator)
                writeTimestamp(row.dataNoCopy(atIndex: 11)); buffer.writeInteger(separator)
                buffer.writeBytes(state.open && due.lexicographicallyPrecedes(todayBytes) ? yes : no); buffer.writeInteger(separator)
                buffer.writeBytes((row[12] as Bool) ? yes : no); buffer.writeInteger(separator)
                write(row.dataNoCopy(atIndex: 13))
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
