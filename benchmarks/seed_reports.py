#!/usr/bin/env python3
"""Fills a migrated intake database with N plausible reports (one route, one party, one audit entry
each) for the start-up benchmark. Usage: seed_reports.py DATABASE N. Fast: one transaction,
executemany, synchronous=OFF (it is a fixture, not a durability test)."""
import datetime, random, secrets, sqlite3, sys

path, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA synchronous=OFF")
db.execute("BEGIN")
start_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM report").fetchone()[0]
rng = random.Random(1)
agreements = ["sthlm-lus", "sthlm-bus", "sthlm-egenvard", "sthlm-demens", None]
states = ["mottagen", "under-utredning", "atgardad", "avslutad"]
base = datetime.datetime(2024, 1, 1)
batch = 20000
for offset in range(0, n, batch):
    reports, routes, parties, events = [], [], [], []
    for i in range(offset, min(n, offset + batch)):
        rid = start_id + i + 1
        received = base + datetime.timedelta(minutes=i)
        at = received.strftime("%Y-%m-%d %H:%M:%S.000")
        year = received.year
        agreement = agreements[i % len(agreements)]
        reports.append((rid, f"SB-{year}-{rid:07d}", secrets.token_urlsafe(24), "stockholm", agreement, 1 if agreement else None, 1,
                        "region-stockholm", received.strftime("%Y-%m-%d"), f"Seedad rapport {rid}: meddelandet kom inte fram.",
                        "Meddelande inom ett dygn.", None, None, "{}", None, None, None, None, "sv", states[rng.randrange(4)], at, at,
                        (received + datetime.timedelta(days=60)).strftime("%Y-%m-%d")))
        routes.append((rid, "stockholm-triage" if agreement is None else f"{agreement}-region", 0 if agreement else 1, at))
        parties.append((rid, "solna-stad"))
        events.append((at, None, "reporter", "received", rid, None, None, "mottagen"))
    db.executemany("INSERT INTO report (id, reference, tracking_token, region_key, agreement_key, agreement_version, form_version, "
                   "organisation_key, occurred_on, what_happened, expected, consequences, improvement, extra_fields, reporter_name, "
                   "reporter_role, reporter_email, reporter_phone, language, state, received_at, updated_at, feedback_due_on) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", reports)
    db.executemany("INSERT INTO report_route (report_id, function_key, is_triage, routed_at) VALUES (?,?,?,?)", routes)
    db.executemany("INSERT INTO report_party (report_id, party_key) VALUES (?,?)", parties)
    db.executemany("INSERT INTO audit_log (at, actor_user_id, actor, action, report_id, target_user_id, before_value, after_value) VALUES (?,?,?,?,?,?,?,?)", events)
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(f"seeded {n} reports into {path}")
