#!/usr/bin/env python3
"""Crash safety and mail-outage proofs against the real `intake` binary and a real SMTP server.

  crash   TRIALS rounds: start `intake serve`, load it with concurrent submissions from worker
          threads on loopback, kill -9 it at a random moment, start it again. Then: every
          submission that got a receipt (303) is in the database exactly once (by its unique
          marker), PRAGMA integrity_check is ok, and every stored report with an e-mail address
          has its acknowledgement at the SMTP server (duplicates counted; none lost).
  outage  the SMTP server goes down during load and comes back on the same port: every mail is
          delivered after recovery; mails to a permanently refused address (--reject-rcpt) are
          in dead letter, listed by `intake outbox list --status dead` and on /admin/utkorg.

The loader behaves like a browser: it GETs the form and posts its hidden fields back. The
server runs with INTAKE_RATE_LIMIT_PER_HOUR=0 and INTAKE_MIN_FILL_SECONDS=0 (one loopback
address files hundreds of reports a second, right after loading the form); the other guard
parts (signed render time, honeypot, Origin check) stay on. Prints one JSON summary line
(prefixed "RESULT ") and exits 1 on any loss.
"""
import argparse, datetime, glob, html, http.client, json, os, random, re, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(*args):
    print("proof:", *args, file=sys.stderr, flush=True)


class SMTP:
    def __init__(self, maildir, port=0, extra=()):
        self.maildir, self.port, self.extra, self.proc = maildir, port, list(extra), None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/smtp/smtp_server.py"), "--port", str(self.port),
                                      "--maildir", self.maildir] + self.extra, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"READY (\d+)", line)
        if not m:
            raise SystemExit(f"SMTP server did not start: {line!r}")
        self.port = int(m.group(1))

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def recipients(self):
        """Envelope recipients of every stored message."""
        out = []
        for meta in glob.glob(os.path.join(self.maildir, "*.json")):
            try:
                with open(meta) as f:
                    out.extend(json.load(f)["rcpt_tos"])
            except (OSError, ValueError, KeyError):
                pass
        return out


class Server:
    def __init__(self, binary, directory, smtp_url, extra_env=None):
        self.binary, self.directory = binary, directory
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INTAKE_DATABASE": os.path.join(directory, "intake.sqlite"),
            "INTAKE_FORMS": os.path.join(ROOT, "Forms"), "INTAKE_TEMPLATES": os.path.join(ROOT, "Templates"),
            "INTAKE_PUBLIC_URL": "https://samverkan.example.se", "INTAKE_LOG_FORMAT": "json",
            "INTAKE_SMTP_URL": smtp_url, "INTAKE_SMTP_STARTTLS": "off",
            "INTAKE_SMTP_CONNECT_TIMEOUT": "2", "INTAKE_SMTP_TIMEOUT": "5",
            "INTAKE_MAIL_RETRY_DELAYS": "1,2", "INTAKE_RATE_LIMIT_PER_HOUR": "0", "INTAKE_MIN_FILL_SECONDS": "0",
        }
        self.env.update(extra_env or {})
        self.proc, self.port, self.starts = None, None, 0

    def start(self):
        self.starts += 1
        logpath = os.path.join(self.directory, f"serve-{self.starts}.log")
        self.logfile = open(logpath, "w")
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0"], env=self.env, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(logpath) as f:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                return self.port
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("intake serve did not start:\n" + open(logpath).read()[-3000:])

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def cli(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=60)


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def form_hidden_fields(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/rapportera/stockholm?avtal=sthlm-lus")
    page = conn.getresponse().read().decode()
    conn.close()
    fields = dict(HIDDEN.findall(page))
    if "formulartid" not in fields:
        raise RuntimeError("the form page has no signed render time")
    return fields


def submission(hidden, marker, email):
    pairs = [("avtal", "sthlm-lus"), ("lang", "sv"), ("organisation", "region-stockholm"), ("other_parties", "solna-stad"),
             ("occurred_on", (datetime.date.today() - datetime.timedelta(days=1)).isoformat()), ("what_happened", f"Inget inskrivningsmeddelande kom. Markör {marker}."),
             ("expected", "Meddelande inom ett dygn enligt överenskommelsen."), ("reporter_email", email), ("webbplats", "")]
    pairs += [(k, v) for k, v in hidden.items() if k not in dict(pairs)]
    return urllib.parse.urlencode(pairs)


class Load:
    """Worker threads filing reports with unique markers until told to stop or the server dies."""

    def __init__(self, port, workers, prefix, email_for=None):
        self.port, self.workers, self.prefix = port, workers, prefix
        self.email_for = email_for or (lambda marker: f"{marker}@example.se")
        self.receipts, self.unknown, self.refused = {}, set(), 0
        self.lock, self.stopping, self.threads = threading.Lock(), threading.Event(), []

    def start(self):
        for w in range(self.workers):
            t = threading.Thread(target=self.run, args=(w,), daemon=True)
            t.start()
            self.threads.append(t)

    def run(self, w):
        try:
            hidden = form_hidden_fields(self.port)
        except Exception:
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        seq = 0
        while not self.stopping.is_set():
            seq += 1
            marker = f"{self.prefix}w{w}n{seq}"
            body = submission(hidden, marker, self.email_for(marker))
            try:
                conn.request("POST", "/rapportera/stockholm", body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://samverkan.example.se"})
                response = conn.getresponse()
                response.read()
            except Exception:
                # Sent but no answer: may or may not be stored; must never be stored twice.
                with self.lock:
                    self.unknown.add(marker)
                return
            with self.lock:
                if response.status == 303:
                    self.receipts[marker] = response.getheader("Location")
                else:
                    self.refused += 1
            if response.status != 303:
                log(f"unexpected status {response.status} for {marker}")

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(30)


def db_connect(path):
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def wait_outbox_drained(path, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with db_connect(path) as db:
            queued = db.execute("SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'").fetchone()[0]
        if queued == 0:
            return 0
        time.sleep(0.5)
    return queued


def marker_counts(path):
    with db_connect(path) as db:
        rows = db.execute("SELECT what_happened, reporter_email FROM report").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    counts = {}
    emails = []
    for text, email in rows:
        m = re.search(r"Markör (\S+)\.", text)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        if email:
            emails.append(email)
    return counts, emails, integrity, len(rows)


def crash(args):
    directory = args.directory or tempfile.mkdtemp(prefix="crash-")
    smtp = SMTP(os.path.join(directory, "maildir"))
    os.makedirs(smtp.maildir, exist_ok=True)
    smtp.start()
    server = Server(args.binary, directory, f"smtp://127.0.0.1:{smtp.port}")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    log(f"seed {args.seed} for the kill moments (--seed {args.seed} replays them)")
    rng = random.Random(args.seed)
    receipts, unknown, refused = {}, set(), 0
    started = time.time()
    try:
        for trial in range(1, args.trials + 1):
            port = server.start()
            load = Load(port, args.workers, f"t{trial}")
            load.start()
            time.sleep(rng.uniform(args.min_delay, args.max_delay))
            server.kill9()
            load.stop()
            receipts.update(load.receipts)
            unknown |= load.unknown
            refused += load.refused
            log(f"trial {trial}/{args.trials}: {len(load.receipts)} receipts, {len(load.unknown)} in flight at the kill")
        # A last start without load lets the outbox deliver what the kills left queued.
        server.start()
        left = wait_outbox_drained(os.path.join(directory, "intake.sqlite"), args.drain_seconds)
        server.stop()
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
        smtp_recipients = smtp.recipients()
        smtp.stop()
    counts, emails, integrity, stored = marker_counts(os.path.join(directory, "intake.sqlite"))
    lost_receipts = [m for m in receipts if counts.get(m, 0) == 0]
    duplicated_reports = [m for m, n in counts.items() if n > 1]
    delivered = {}
    for rcpt in smtp_recipients:
        delivered[rcpt] = delivered.get(rcpt, 0) + 1
    lost_acks = [e for e in emails if delivered.get(e, 0) == 0]
    duplicate_acks = sum(max(0, delivered.get(e, 0) - 1) for e in emails)
    result = {
        "test": "crash", "trials": args.trials, "workers": args.workers, "seconds": round(time.time() - started, 1),
        "receipts": len(receipts), "in_flight_at_kill": len(unknown),
        "in_flight_stored": sum(1 for m in unknown if counts.get(m, 0) > 0), "stored_reports": stored,
        "lost_receipts": len(lost_receipts), "duplicated_reports": len(duplicated_reports), "refused": refused,
        "acks_expected": len(emails), "acks_lost": len(lost_acks), "ack_duplicates": duplicate_acks,
        "outbox_left_queued": left, "integrity_check": integrity, "directory": directory,
    }
    print("RESULT " + json.dumps(result), flush=True)
    ok = (not lost_receipts and not duplicated_reports and not lost_acks and integrity == "ok" and left == 0
          and len(receipts) > 0 and refused == 0)
    return 0 if ok else 1


def outage(args):
    directory = args.directory or tempfile.mkdtemp(prefix="outage-")
    maildir = os.path.join(directory, "maildir")
    os.makedirs(maildir, exist_ok=True)
    smtp = SMTP(maildir, extra=["--reject-rcpt", "avvisad"])
    smtp.start()
    server = Server(args.binary, directory, f"smtp://127.0.0.1:{smtp.port}")
    database = os.path.join(directory, "intake.sqlite")
    rejected_every = 10
    counter = {"n": 0}
    counter_lock = threading.Lock()

    def email_for(marker):
        with counter_lock:
            counter["n"] += 1
            n = counter["n"]
        return f"{marker}.avvisad@example.se" if n % rejected_every == 0 else f"{marker}@example.se"

    port = server.start()
    load = Load(port, args.workers, "o", email_for)
    load.start()
    try:
        time.sleep(args.before)
        smtp.stop()
        log(f"SMTP server down ({len(load.receipts)} receipts so far)")
        time.sleep(args.down)
        with db_connect(database) as db:
            queued_during = db.execute("SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'").fetchone()[0]
        smtp.start()  # same port, same maildir
        log(f"SMTP server up again; {queued_during} mails were waiting")
        time.sleep(args.after)
        load.stop()
        left = wait_outbox_drained(database, args.drain_seconds)
        dead_cli = server.cli("outbox", "list", "--status", "dead", "--limit", "100000")
        # /admin/utkorg as an administrator sees it.
        pw = "ett långt lösenord för utkorgen"
        add = subprocess.run([args.binary, "user", "add", "--email", "admin2@proof.example.se", "--name", "Proof Admin",
                              "--role", "admin", "--password-stdin"], env=server.env, input=pw + "\n", capture_output=True, text=True)
        if add.returncode == 0:
            admin_page, admin_pages = admin_outbox_dead(port, "admin2@proof.example.se", pw)
        else:
            admin_page, admin_pages = "user add failed: " + add.stderr, 0
            log(admin_page)
        status = server.stop()
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
        recipients = smtp.recipients()
        smtp.stop()
    counts, emails, integrity, stored = marker_counts(database)
    with db_connect(database) as db:
        dead = db.execute("SELECT id, recipient FROM outbox_message WHERE status = 'dead'").fetchall()
        by_status = dict(db.execute("SELECT status, COUNT(*) FROM outbox_message GROUP BY status").fetchall())
    delivered = {}
    for rcpt in recipients:
        delivered[rcpt] = delivered.get(rcpt, 0) + 1
    good = [e for e in emails if "avvisad" not in e]
    refused_addresses = [e for e in emails if "avvisad" in e]
    lost = [e for e in good if delivered.get(e, 0) == 0]
    dead_recipients = {r for _, r in dead}
    dead_ids = [str(i) for i, _ in dead]
    not_dead = [e for e in refused_addresses if e not in dead_recipients]
    cli_lines = {line.split("\t")[0] for line in dead_cli.stdout.splitlines() if "\tdead\t" in line}
    cli_missing = [i for i in dead_ids if i not in cli_lines]
    # /admin/utkorg?status=dead, every page of it: each dead mail's id with its recipient.
    page_missing = [i for i, r in dead if admin_page.get(i) != r] if isinstance(admin_page, dict) else [i for i, _ in dead]
    page_ok = bool(dead) and not page_missing
    result = {
        "test": "outage", "receipts": len(load.receipts), "stored_reports": stored, "queued_while_down": queued_during,
        "acks_expected": len(good), "acks_lost": len(lost), "ack_duplicates": sum(max(0, delivered.get(e, 0) - 1) for e in good),
        "refused_addresses": len(refused_addresses), "dead": len(dead), "refused_not_dead": len(not_dead),
        "dead_missing_from_cli": len(cli_missing), "admin_pages_read": admin_pages, "dead_on_admin_pages": len(dead) - len(page_missing),
        "dead_missing_from_admin_pages": len(page_missing), "admin_page_shows_dead": page_ok, "outbox_by_status": by_status,
        "outbox_left_queued": left, "integrity_check": integrity, "exit_status": status, "directory": directory,
    }
    print("RESULT " + json.dumps(result), flush=True)
    if cli_missing:
        log("outbox list --status dead output:\n" + dead_cli.stdout[-2000:] + dead_cli.stderr[-500:])
    ok = (not lost and not not_dead and not cli_missing and page_ok and left == 0 and integrity == "ok" and queued_during > 0
          and len(refused_addresses) > 0 and load.refused == 0 and status == 0)
    return 0 if ok else 1


def admin_outbox_dead(port, email, password):
    """Logs in and reads /admin/utkorg?status=dead page by page (200 a page, following the "Older
    messages" link), however many there are. Returns ({id: recipient} of every row, pages read)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse().read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    conn.request("POST", "/login", body=urllib.parse.urlencode({"csrf": csrf, "email": email, "password": password}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 303:
        raise RuntimeError(f"login as {email} answered {response.status}")
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    rows, pages, path = {}, 0, "/admin/utkorg?status=dead"
    # At most 5,000 pages (a million messages), so a paging bug cannot loop forever.
    while path and pages < 5000:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        page = response.read().decode()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        pages += 1
        for row_id, recipient, status in re.findall(
                r"<tr><td>(\d+)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>", page):
            # The outbox names states in Swedish: "Misslyckades" is dead letter.
            if status in ("Misslyckades", "Failed"):
                rows[int(row_id)] = html.unescape(recipient)
        older = re.search(r'<a href="([^"]+)" rel="next">', page)
        path = html.unescape(older.group(1)) if older else None
    conn.close()
    return rows, pages


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("test", choices=["crash", "outage"])
    p.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/intake"))
    p.add_argument("--directory")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--min-delay", type=float, default=0.3)
    p.add_argument("--max-delay", type=float, default=2.0)
    p.add_argument("--drain-seconds", type=float, default=120)
    p.add_argument("--before", type=float, default=2, help="outage: seconds of load before the SMTP server goes down")
    p.add_argument("--down", type=float, default=4, help="outage: seconds the SMTP server is down")
    p.add_argument("--after", type=float, default=2, help="outage: seconds of load after it is back")
    args = p.parse_args()
    sys.exit(crash(args) if args.test == "crash" else outage(args))


if __name__ == "__main__":
    main()
