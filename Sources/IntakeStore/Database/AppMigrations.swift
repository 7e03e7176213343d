import Foundation
import GRDB
import IntakeDomain

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
        migrator.registerMigration("v4-staff-and-triage") { db in
            try db.execute(sql: """
                CREATE TABLE staff_user (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'handlaggare', 'analytiker')),
                    password_hash TEXT NOT NULL,
                    must_change_password INTEGER NOT NULL DEFAULT 0,
                    active INTEGER NOT NULL DEFAULT 1,
                    created_at DATETIME NOT NULL,
                    last_login_at DATETIME
                );
                CREATE TABLE staff_membership (
                    user_id INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE CASCADE,
                    function_key TEXT NOT NULL,
                    PRIMARY KEY (user_id, function_key)
                ) WITHOUT ROWID;
                CREATE INDEX staff_membership_function ON staff_membership(function_key);

                -- Only the SHA-256 of a session id or reset token is stored.
                CREATE TABLE staff_session (
                    id_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    last_seen_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX staff_session_user ON staff_session(user_id);
                CREATE TABLE password_reset (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    used_at DATETIME
                ) WITHOUT ROWID;

                -- Append-only: who did what, to which report or user, with before and after values.
                -- No foreign keys: the log outlives the users and reports it names.
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at DATETIME NOT NULL,
                    actor_user_id INTEGER,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    report_id INTEGER,
                    target_user_id INTEGER,
                    before_value TEXT,
                    after_value TEXT
                );
                CREATE INDEX audit_log_report ON audit_log(report_id, id);
                CREATE INDEX audit_log_target_user ON audit_log(target_user_id, id);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                INSERT INTO audit_log (at, actor, action, report_id, before_value, after_value)
                    SELECT at, actor, 'report.' || kind, report_id, from_value, to_value FROM report_event ORDER BY id;
                DROP TABLE report_event;

                ALTER TABLE report ADD COLUMN assigned_user_id INTEGER REFERENCES staff_user(id) ON DELETE SET NULL;
                ALTER TABLE report ADD COLUMN escalation_level TEXT;
                ALTER TABLE report ADD COLUMN systemfel INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE report ADD COLUMN first_feedback_at DATETIME;
                ALTER TABLE report ADD COLUMN closed_at DATETIME;
                CREATE INDEX report_due ON report(feedback_due_on, state);
                CREATE INDEX report_assigned ON report(assigned_user_id);

                -- Internal notes (staff only), replies to the reporter, and information the reporter added.
                CREATE TABLE report_message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('note', 'reply', 'reporter')),
                    author_user_id INTEGER REFERENCES staff_user(id) ON DELETE SET NULL,
                    author_name TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX report_message_report ON report_message(report_id, id);

                CREATE TABLE report_link (
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    linked_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    PRIMARY KEY (report_id, linked_id)
                ) WITHOUT ROWID;

                -- One row per reminder sent, so a reminder is never sent twice.
                CREATE TABLE reminder_sent (
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    for_day TEXT NOT NULL,
                    sent_at DATETIME NOT NULL,
                    PRIMARY KEY (report_id, kind, for_day)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-api-tokens") { db in
            // API tokens (Open311 api_key and staff API bearer tokens): only the SHA-256 is stored;
            // the prefix identifies a token in lists and in `intake token revoke`.
            try db.execute(sql: """
                CREATE TABLE api_token (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES staff_user(id) ON DELETE CASCADE,
                    prefix TEXT NOT NULL UNIQUE,
                    token_hash TEXT NOT NULL UNIQUE,
                    read_write INTEGER NOT NULL DEFAULT 0,
                    label TEXT,
                    created_at DATETIME NOT NULL,
                    last_used_at DATETIME,
                    revoked_at DATETIME
                );
                CREATE INDEX api_token_user ON api_token(user_id);
                -- The token a report was filed with through Open311, so that client can read its own reports back.
                ALTER TABLE report ADD COLUMN filed_with_token_id INTEGER REFERENCES api_token(id) ON DELETE SET NULL;
                """)
        }
        migrator.registerMigration("v6-follow-up") { db in
            try db.execute(sql: """
                -- Every inserted, changed or deleted report, so the in-memory facts behind the
                -- dashboard reload only what changed. Pruned once read.
                CREATE TABLE report_change (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    report_id INTEGER NOT NULL
                );
                CREATE TRIGGER report_change_insert AFTER INSERT ON report
                    BEGIN INSERT INTO report_change (report_id) VALUES (NEW.id); END;
                CREATE TRIGGER report_change_update AFTER UPDATE ON report
                    BEGIN INSERT INTO report_change (report_id) VALUES (NEW.id); END;
                CREATE TRIGGER report_change_delete AFTER DELETE ON report
                    BEGIN INSERT INTO report_change (report_id) VALUES (OLD.id); END;
                INSERT INTO report_change (report_id) SELECT id FROM report ORDER BY id;
                CREATE INDEX report_received ON report(received_at);

                -- What a report led to, written by a handläggare as a public, de-identified text.
                CREATE TABLE report_outcome (
                    report_id INTEGER PRIMARY KEY REFERENCES report(id) ON DELETE CASCADE,
                    summary TEXT NOT NULL,
                    publishable INTEGER NOT NULL DEFAULT 0,
                    updated_at DATETIME NOT NULL,
                    updated_by INTEGER REFERENCES staff_user(id) ON DELETE SET NULL
                );
                CREATE INDEX report_outcome_public ON report_outcome(publishable, updated_at);

                -- One row per periodic summary queued, so none is sent twice for a period.
                CREATE TABLE summary_sent (
                    recipient_key TEXT NOT NULL,
                    period TEXT NOT NULL,
                    sent_at DATETIME NOT NULL,
                    PRIMARY KEY (recipient_key, period)
                ) WITHOUT ROWID;

                -- Every agreement version ever loaded from Forms/, with its dates at the time.
                CREATE TABLE agreement_revision (
                    agreement_key TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    valid_from TEXT NOT NULL,
                    valid_to TEXT,
                    next_revision TEXT,
                    first_loaded_at DATETIME NOT NULL,
                    PRIMARY KEY (agreement_key, version)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7-outbox-templates") { db in
            try db.execute(sql: """
                -- A report's mails are queued as a template name and its context (JSON), and
                -- rendered when sent; text_body and html_body are then empty.
                ALTER TABLE outbox_message ADD COLUMN template TEXT;
                ALTER TABLE outbox_message ADD COLUMN template_context TEXT;
                """)
        }
        migrator.registerMigration("v8-lighter-filing") { db in
            try db.execute(sql: """
                -- Filing a report writes less: new reports are found by id (FactStore), so only
                -- changed and deleted reports go to report_change; the indexes used to find reports
                -- and audit entries by user hold only rows that have a user (most have none).
                DROP TRIGGER report_change_insert;
                DROP INDEX report_assigned;
                CREATE INDEX report_assigned ON report(assigned_user_id) WHERE assigned_user_id IS NOT NULL;
                DROP INDEX audit_log_target_user;
                CREATE INDEX audit_log_target_user ON audit_log(target_user_id, id) WHERE target_user_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v9-process-starts") { db in
            try db.execute(sql: """
                -- Each start of `intake serve` (ProcessLifetime): stopped_at stays empty when the
                -- process died without a clean shutdown. AUTOINCREMENT: ids count every start,
                -- also after old rows are pruned.
                CREATE TABLE process_start (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at DATETIME NOT NULL,
                    stopped_at DATETIME
                );
                """)
        }
        migrator.registerMigration("v10-storage-probe") { db in
            try db.execute(sql: """
                -- Written and emptied again by AppDatabase.probeWrites while writes fail (a full
                -- disk): it tells /health, /ready and the workers when there is room again.
                CREATE TABLE storage_probe (id INTEGER PRIMARY KEY, filler BLOB NOT NULL);
                """)
        }
        migrator.registerMigration("v11-report-channel") { db in
            try db.execute(sql: """
                -- How each report arrived (ReportChannel's keys: webb, open311, e-post, telefon).
                -- Reports filed before this column existed came by the web form or by Open311;
                -- Open311 ones are those filed with an API token.
                ALTER TABLE report ADD COLUMN channel TEXT NOT NULL DEFAULT 'webb';
                UPDATE report SET channel = 'open311' WHERE filed_with_token_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v12-mail-intake") { db in
            try db.execute(sql: """
                -- Every mail read from an IMAP mailbox, by its Message-ID (or "sha256:" and the hash of
                -- the message when it has none): written in the transaction of what the mail caused,
                -- so a mail is handled exactly once even when the IMAP move after it did not happen.
                CREATE TABLE inbound_mail (
                    message_key TEXT PRIMARY KEY,
                    mailbox TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('report', 'addition', 'refused', 'ignored')),
                    report_id INTEGER REFERENCES report(id) ON DELETE SET NULL,
                    handled_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                -- The form fields a mailed report could not fill, comma-separated ("behöver kompletteras").
                ALTER TABLE report ADD COLUMN missing_fields TEXT;
                """)
        }
        migrator.registerMigration("v13-closing-and-escalation") { db in
            try db.execute(sql: """
                -- The closing reply: the final message to the reporter written when the report
                -- moved to this closed state (NULL for every other message).
                ALTER TABLE report_message ADD COLUMN closes_state TEXT;

                -- Each step up the escalation ladder: why (staff only) and the plain sentence the
                -- reporter sees on the tracking page and gets by mail.
                CREATE TABLE report_escalation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    report_id INTEGER NOT NULL REFERENCES report(id) ON DELETE CASCADE,
                    level_key TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    public_text TEXT NOT NULL,
                    escalated_by INTEGER REFERENCES staff_user(id) ON DELETE SET NULL,
                    escalated_at DATETIME NOT NULL
                );
                CREATE INDEX report_escalation_report ON report_escalation(report_id, id);
                """)
        }
        return migrator
    }
}
