import Foundation
import GRDB

/// Named migrations, applied in order at start. A migration that has shipped is never edited:
/// change the schema with a new one.
enum AppMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-reports") { db in
            try db.execute(sql: """
                CREATE TABLE report (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    reference TEXT NOT NULL UNIQUE,
                    tracking_token TEXT NOT NULL UNIQUE,
                    region_key TEXT NOT NULL,
                    agreement_key TEXT,
                    agreement_version INTEGER,
                    form_version INTEGER NOT NULL,
                    organisation_key TEXT NOT NULL,
                    occurred_on TEXT NOT NULL,
                    what_happened TEXT NOT NULL,
                    expected TEXT NOT NULL,
                    consequences TEXT,
                    improvement TEXT,
                    extra_fields TEXT NOT NULL DEFAULT '{}',
                    reporter_name TEXT,
                    reporter_role TEXT,
                    reporter_email TEXT,
                    reporter_phone TEXT,
                    language TEXT NOT NULL,
                    state TEXT NOT NULL,
                    received_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    feedback_due_on TEXT NOT NULL
                );
                CREATE INDEX report_agreement ON report(agreement_key, received_at);
                CREATE INDEX report_region ON report(region_key, received_at);
                CREATE INDEX report_state ON report(state);

                CREATE TABLE report_party (
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    party_key TEXT NOT NULL,
                    PRIMARY KEY (report_id, party_key)
                ) WITHOUT ROWID;

                CREATE TABLE report_route (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    function_key TEXT NOT NULL,
                    is_triage INTEGER NOT NULL DEFAULT 0,
                    routed_at DATETIME NOT NULL,
                    active INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX report_route_function ON report_route(function_key, active, report_id);
                CREATE INDEX report_route_report ON report_route(report_id);

                -- Append-only history of everything that happened to a report.
                CREATE TABLE report_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    at DATETIME NOT NULL,
                    actor TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    from_value TEXT,
                    to_value TEXT,
                    detail TEXT
                );
                CREATE INDEX report_event_report ON report_event(report_id, at);

                -- Reference numbers are sequential per year: SB-2026-00001, SB-2026-00002, …
                CREATE TABLE reference_counter (
                    year INTEGER PRIMARY KEY,
                    last_value INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox_message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    report_id INTEGER REFERENCES report(id) ON DELETE SET NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    text_body TEXT NOT NULL,
                    html_body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'queued',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    next_attempt_at DATETIME NOT NULL,
                    sent_at DATETIME,
                    last_error TEXT
                );
                CREATE INDEX outbox_due ON outbox_message(status, next_attempt_at);
                """)
        }
        migrator.registerMigration("v3-server-secret") { db in
            // A random key made once per database: signs form timestamps and similar values.
            try db.execute(sql: "CREATE TABLE server_secret (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
            var generator = SystemRandomNumberGenerator()
            let key = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            try db.execute(sql: "INSERT INTO server_secret (name, value) VALUES ('signing-key', ?)", arguments: [key])
        }
        return migrator
    }
}
