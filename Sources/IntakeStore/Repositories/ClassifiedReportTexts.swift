import Foundation
import GRDB
import IntakeDomain

/// The texts the agreement finder learns from: reports a handläggare classified or reclassified
/// (an audit entry `report.reclassified`), under the agreement they have now. Reporters' own
/// choices are not used: only a handläggare's classification is taken as the right answer.
public enum ClassifiedReportTexts {
    /// The newest `limit` such reports, as (agreement key, what happened + what should have happened).
    public static func read(from database: AppDatabase, limit: Int = 20_000) async throws -> [(agreementKey: String, text: String)] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.agreement_key, r.what_happened, r.expected FROM report r
                WHERE r.agreement_key IS NOT NULL
                  AND r.id IN (SELECT report_id FROM audit_log WHERE action = 'report.reclassified' AND report_id IS NOT NULL)
                ORDER BY r.id DESC LIMIT ?
                """, arguments: [max(0, limit)]).map { row in
                let key: String = row["agreement_key"]
                let what: String = row["what_happened"]
                let expected: String = row["expected"]
                return (key, what + "\n" + expected)
            }
        }
    }
}
