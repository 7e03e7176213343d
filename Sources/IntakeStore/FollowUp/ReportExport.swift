import Foundation
import GRDB
import GRDBSQLite
import IntakeDomain
import NIOCore

/// CSV of the filtered reports, written page by page (keyset on id) so memory stays flat however
/// many rows there are. Never contact data and never free text: only catalogue values and dates.
public struct ReportExport: Sendable {
    public static let columns = [
        "referens", "lan", "overenskommelse", "overenskommelse_namn", "overenskommelse_version", "malgrupp",
        "rapporterande_part", "ovriga_parter", "status", "status_namn", "oppen", "mottagen", "aterkoppling_senast",
        "forsta_aterkoppling", "avslutad", "forsenad", "systemfel", "eskaleringsniva", "kanal", "kanal_namn",
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
                   r.systemfel, r.escalation_level, r.channel
            FROM report r WHERE r.id > ? AND r.id <= ? AND \(clause) ORDER BY r.id\(pageSize == Int.max ? "" : " LIMIT \(pageSize)")
            """
        let catalogue = catalogue, language = language, separator = separator
        let todayBytes = Array(today.description.utf8)
        let reserve = min(pageSize, 20_000) * 300
        return try await database.pool.read { db in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(reserve)
            var lastId = afterId, count = 0
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(StatementArguments([afterId, upToId] + arguments))
            let sqlite = statement.sqliteStatement
            // Column bytes are copied straight from SQLite's buffers into the output; names are
            // looked up once per distinct key (a handful of agreements and states). No String,
            // Data or Row per cell on this path.
            var agreementNames: [(key: [UInt8], name: String, group: String)] = []
            var stateNames: [(key: [UInt8], name: String, open: Bool)] = []
            let channelNames = ReportChannel.allCases.map { (key: Array($0.key.utf8), name: $0.name[language]) }
            let quote = UInt8(ascii: "\"")
            func column(_ index: Int32) -> UnsafeRawBufferPointer? {
                guard sqlite3_column_type(sqlite, index) != SQLITE_NULL, let text = sqlite3_column_text(sqlite, index) else { return nil }
                return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(sqlite, index)))
            }
            func write(_ bytes: UnsafeRawBufferPointer?) {
                guard let bytes, !bytes.isEmpty else { return }
                if bytes.contains(where: { $0 == separator || $0 == quote || $0 == 10 || $0 == 13 }) {
                    buffer.writeInteger(quote)
                    for b in bytes { if b == quote { buffer.writeInteger(quote) }; buffer.writeInteger(b) }
                    buffer.writeInteger(quote)
                } else {
                    buffer.writeBytes(bytes)
                }
            }
            func write(_ text: String) {
                guard !text.isEmpty else { return }
                if text.utf8.contains(where: { $0 == separator || $0 == quote || $0 == 10 || $0 == 13 }) {
                    buffer.writeString("\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                } else {
                    buffer.writeString(text)
                }
            }
            let yes = Array("ja".utf8), no = Array("nej".utf8)
            /// A stored date (`2026-02-28 12:33:50.000`, UTC) as ISO 8601 `2026-02-28T12:33:50Z`.
            func writeTimestamp(_ bytes: UnsafeRawBufferPointer?) {
                guard let bytes, bytes.count >= 19 else { return }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[0..<10]))
                buffer.writeInteger(UInt8(ascii: "T"))
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[11..<19]))
                buffer.writeInteger(UInt8(ascii: "Z"))
            }
            while true {
                let code = sqlite3_step(sqlite)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
                lastId = sqlite3_column_int64(sqlite, 0)
                count += 1
                let agreementKey = column(3)
                var names: (name: String, group: String) = ("", "")
                if let agreementKey {
                    if let cached = agreementNames.first(where: { $0.key.elementsEqual(agreementKey) }) { names = (cached.name, cached.group) } else {
                        let key = String(decoding: agreementKey, as: UTF8.self)
                        let agreement = catalogue.agreement(key)
                        names = (agreement?.name[language] ?? key, agreement.flatMap { catalogue.targetGroup($0.targetGroupKey)?.name[language] } ?? "")
                        agreementNames.append((Array(agreementKey), names.name, names.group))
                    }
                }
                let stateKey = column(7) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                let state: (name: String, open: Bool)
                if let cached = stateNames.first(where: { $0.key.elementsEqual(stateKey) }) { state = (cached.name, cached.open) } else {
                    let key = String(decoding: stateKey, as: UTF8.self)
                    let found = catalogue.lifecycle.state(key)
                    state = (found?.name[language] ?? key, found?.isOpen ?? true)
                    stateNames.append((Array(stateKey), state.name, state.open))
                }
                let due = column(9) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                write(column(1)); buffer.writeInteger(separator)
                write(column(2)); buffer.writeInteger(separator)
                write(agreementKey); buffer.writeInteger(separator)
                write(names.name); buffer.writeInteger(separator)
                write(column(4)); buffer.writeInteger(separator)
                write(names.group); buffer.writeInteger(separator)
                write(column(5)); buffer.writeInteger(separator)
                write(column(6)); buffer.writeInteger(separator)
                write(stateKey); buffer.writeInteger(separator)
                write(state.name); buffer.writeInteger(separator)
                buffer.writeBytes(state.open ? yes : no); buffer.writeInteger(separator)
                writeTimestamp(column(8)); buffer.writeInteger(separator)
                write(due); buffer.writeInteger(separator)
                writeTimestamp(column(10)); buffer.writeInteger(separator)
                writeTimestamp(column(11)); buffer.writeInteger(separator)
                buffer.writeBytes(state.open && due.lexicographicallyPrecedes(todayBytes) ? yes : no); buffer.writeInteger(separator)
                buffer.writeBytes(sqlite3_column_int64(sqlite, 12) != 0 ? yes : no); buffer.writeInteger(separator)
                write(column(13)); buffer.writeInteger(separator)
                let channelKey = column(14) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                write(channelKey); buffer.writeInteger(separator)
                if let channel = channelNames.first(where: { $0.key.elementsEqual(channelKey) }) { write(channel.name) }
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
