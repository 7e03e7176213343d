import Foundation
import GRDB

/// One loaded version of an agreement (`agreement_revision`), for the register's version history.
public struct AgreementRevision: Sendable {
    public var agreementKey: String
    public var version: Int
    public var validFrom: String
    public var validTo: String?
}

/// An outcome a handläggare marked publishable, for the public learning page: the agreement of its
/// report ("" when never classified), the text and when it was last changed. Nothing else.
public struct PublishedOutcome: Sendable {
    public var agreementKey: String
    public var text: String
    public var at: Date
}

extension AppDatabase {
    /// Every recorded agreement version, by agreement and version.
    public func agreementRevisions() async throws -> [AgreementRevision] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT agreement_key, version, valid_from, valid_to FROM agreement_revision ORDER BY agreement_key, version")
                .map { AgreementRevision(agreementKey: $0["agreement_key"], version: $0["version"], validFrom: $0["valid_from"], validTo: $0["valid_to"]) }
        }
    }

    /// The published outcomes, newest first.
    public func publishedOutcomes() async throws -> [PublishedOutcome] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.agreement_key, o.summary, o.updated_at FROM report_outcome o JOIN report r ON r.id = o.report_id
                WHERE o.publishable = 1 ORDER BY o.updated_at DESC, o.report_id DESC
                """).map { PublishedOutcome(agreementKey: ($0["agreement_key"] as String?) ?? "", text: $0["summary"], at: $0["updated_at"]) }
        }
    }
}

extension ReportExport {
    /// The highest report id now: an export reads up to it, so reports filed during the export
    /// are not in it (a consistent cut).
    public func lastReportId() async throws -> Int64 {
        try await database.pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM report") ?? 0 }
    }
}
