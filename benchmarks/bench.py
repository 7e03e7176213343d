#!/usr/bin/env python3
"""The benchmark run behind benchmarks/run.sh: one run, one table (Markdown on stdout).

1. SQLite fsync baseline on the same disk as the server's database: one INSERT per commit,
   WAL, synchronous=FULL, the system libsqlite3 (through Python's sqlite3 module).
2. The release `intake serve` on loopback, wrk POSTing the report form at 1, 16 and 64
   connections: durable submissions per second (every 303 is committed and fsynced) and the
   latency percentiles; every answered report is counted in the database afterwards.
3. RSS idle and the peak under load (from /proc).
4. Start-up time on a database of 1,000,000 reports (made by seed_reports.py): spawn until
   /health answers, median of three starts; and each start's stop: SIGTERM one second after
   /health answered, until the process exits (the background jobs' passes must not hold it up).

`bench.py --submissions [--plain NAMES] [--connections N]` runs only the durable-submission
figure (default 64 connections, BENCH_SECONDS long) on a new database with the server started
with INTAKE_BENCH_PLAIN=NAMES, and prints one JSON line (rate, p99, …): benchmarks/fast-paths.sh
calls it once per variant and round. BENCH_BINARY runs another build of `intake` (default
.build/release/intake) and BENCH_SOURCES names the checkout whose Forms/ and Templates/ it reads
(default this one); `--label TEXT` is copied into the JSON line (benchmarks/before-after.sh).

Guard settings (said in the table): INTAKE_RATE_LIMIT_PER_HOUR=0 (one loopback address) and
INTAKE_MIN_FILL_SECONDS=0; the body carries a signed render time taken from the form page like a
browser does; no Origin header (allowed, as for non-browser clients). Mail: SMTP points at a
closed local port, so the outbox queues (3 mails per report, written in the same transaction)
and the worker, finding the server unreachable, tries one mail and pauses (30 s at most) instead
of spending the CPU on delivery; mail delivery has its own benchmark,
benchmarks/mail-throughput.sh.
"""
import http.client, json, os, re, sqlite3, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("BENCH_BINARY") or os.path.join(ROOT, ".build/release/intake")
SOURCES = os.environ.get("BENCH_SOURCES") or ROOT
DURATION = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "1,16,64").split(",")]
SEED_REPORTS = int(os.environ.get("BENCH_SEED_REPORTS", "1000000"))
# The seeded database is kept here between runs (seeding takes a minute); the load database is new each run.
WORK = os.environ.get("BENCH_DIR") or os.path.join(ROOT, ".build/bench")


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def fsync_baseline(directory, n=3000):
    path = os.path.join(directory, "fsync-baseline.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    body = "x" * 600
    start = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed, sqlite3.sqlite_version


def env_for(database, port, extra=None):
    return (extra or {}) | {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INTAKE_DATABASE": database, "INTAKE_PORT": str(port),
        "INTAKE_FORMS": os.path.join(SOURCES, "Forms"), "INTAKE_TEMPLATES": os.path.join(SOURCES, "Templates"),
        "INTAKE_PUBLIC_URL": "https://samverkan.example.se", "INTAKE_LOG_FORMAT": "json", "INTAKE_LOG_LEVEL": "info",
        "INTAKE_SMTP_URL": "smtp://127.0.0.1:9", "INTAKE_SMTP_STARTTLS": "off", "INTAKE_SMTP_CONNECT_TIMEOUT": "1",
        "INTAKE_MAIL_RETRY_DELAYS": "86400", "INTAKE_RATE_LIMIT_PER_HOUR": "0", "INTAKE_MIN_FILL_SECONDS": "0",
    }


def start_server(database, port, logname, extra_env=None):
    logf = open(os.path.join(WORK, logname), "w")
    started = time.perf_counter()
    proc = subprocess.Popen([BINARY, "serve"], env=env_for(database, port, extra_env), stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, time.perf_counter() - started
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit("server exited:\n" + open(os.path.join(WORK, logname)).read()[-3000:])
        if time.perf_counter() - started > 300:
            raise SystemExit("server did not answer /health")
        time.sleep(0.005)


def stop(proc):
    """SIGTERM, then SIGKILL after 60 s. Returns the seconds from SIGTERM to exit, or None if killed."""
    started = time.perf_counter()
    proc.terminate()
    try:
        proc.wait(60)
        return time.perf_counter() - started
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def form_body(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/rapportera/stockholm?avtal=sthlm-lus")
    page = conn.getresponse().read().decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    pairs = [("organisation", "region-stockholm"), ("other_parties", "solna-stad"), ("other_parties", "sundbybergs-stad"),
             ("occurred_on", "2026-11-20"),
             ("what_happened", "Patienten skrevs ut från sjukhuset en fredag utan att kommunen fått inskrivningsmeddelande."),
             ("expected", "Enligt överenskommelsen ska kommunen få meddelande inom ett dygn efter inskrivning."),
             ("consequences", "Hemtjänsten kunde inte ta emot patienten på kvällen."),
             ("reporter_name", "Bänk Testsson"), ("reporter_role", "Sjuksköterska"), ("reporter_email", "bench@example.se"),
             ("webbplats", "")] + list(hidden.items())
    return urllib.parse.urlencode(pairs)


def wrk(port, connections, body_file):
    threads = 1 if connections == 1 else 2
    script = os.path.join(WORK, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                f'local f = io.open("{body_file}", "r")\nwrk.body = f:read("*a")\nf:close()\n'
                'done = function(summary, latency, requests)\n'
                '  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %d, \\"p90\\": %d, \\"p99\\": %d, '
                '\\"p999\\": %d, \\"max\\": %d, \\"errors\\": %d, \\"non_3xx\\": %d}\\n", summary.requests, summary.duration / 1e6, '
                'latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, '
                'summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))\n'
                'end\n')
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{DURATION}s", "--timeout", "10s", "-s", script,
                          f"http://127.0.0.1:{port}/rapportera/stockholm"], capture_output=True, text=True, check=True).stdout
    return json.loads(out.split("JSON ", 1)[1].splitlines()[0])


def cpu_seconds(pid):
    """User + system CPU time of a process so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reports_in(database):
    db = sqlite3.connect(database, timeout=30)
    n = db.execute("SELECT COUNT(*) FROM report").fetchone()[0]
    db.close()
    return n


def main():
    os.makedirs(WORK, exist_ok=True)
    rows = []
    uptime_before = open("/proc/loadavg").read().split()[:3]
    baseline, sqlite_version = fsync_baseline(WORK)
    log(f"fsync baseline {baseline:.0f} commits/s")

    database = os.path.join(WORK, "load.sqlite")
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    port = 18190
    proc, _ = start_server(database, port, "load.log")
    time.sleep(1)
    idle_rss = rss_kb(proc.pid)
    body_file = os.path.join(WORK, "body.txt")
    with open(body_file, "w") as f:
        f.write(form_body(port))
    peak = [idle_rss]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    results = {}
    for c in CONNECTIONS:
        before = reports_in(database)
        r = wrk(port, c, body_file)
        r["stored"] = reports_in(database) - before
        r["rate"] = r["stored"] / r["seconds"]
        results[c] = r
        log(f"{c} connections: {r}")
    sampling.set()
    sampler.join()
    load_avg_during = open("/proc/loadavg").read().split()[:3]
    stop(proc)

    startup = None
    if SEED_REPORTS > 0:
        big = os.path.join(WORK, f"seeded-{SEED_REPORTS}.sqlite")
        if not os.path.exists(big):
            subprocess.run([BINARY, "migrate", "--database", big], env=env_for(big, port), check=True, capture_output=True)
            subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks/seed_reports.py"), big, str(SEED_REPORTS)], check=True)
        times, stops = [], []
        for i in range(3):
            p, t = start_server(big, port + 1, f"startup-{i}.log")
            times.append(t)
            time.sleep(1)  # the background jobs' first runs have started
            stops.append(stop(p))
        startup = (statistics.median(times), reports_in(big), os.path.getsize(big), stops)

    print(f"| measure | value |\n|---|---|")
    print(f"| SQLite fsync baseline (1 INSERT per commit, WAL, synchronous=FULL, SQLite {sqlite_version}) | **{baseline:,.0f} commits/s** |")
    for c, r in results.items():
        print(f"| {c} connection{'s' if c > 1 else ''}: durable submissions/s (stored ÷ time) | **{r['rate']:,.0f}/s** "
              f"({r['rate'] / baseline:.2f}× the fsync baseline) |")
        print(f"| {c} connection{'s' if c > 1 else ''}: latency p50 / p90 / p99 / p99.9 / max | "
              f"{r['p50']/1000:.2f} / {r['p90']/1000:.2f} / {r['p99']/1000:.2f} / {r['p999']/1000:.2f} / {r['max']/1000:.1f} ms |")
        print(f"| {c} connection{'s' if c > 1 else ''}: answered / stored / socket errors / non-3xx | "
              f"{r['requests']:,} / {r['stored']:,} / {r['errors']} / {r['non_3xx']} |")
    print(f"| RSS idle / peak under load | {idle_rss/1024:.0f} MB / {peak[0]/1024:.0f} MB |")
    if startup:
        print(f"| start-up to /health 200 on {startup[1]:,} reports ({startup[2]/1e9:.2f} GB file), median of 3 | {startup[0]*1000:.0f} ms |")
        print(f"| stop: SIGTERM 1 s after start to exit, same file, each start | "
              f"{' · '.join('killed after 60 s' if s is None else f'{s*1000:.0f} ms' for s in startup[3])} |")
    print(f"| load average before / after the load runs | {' '.join(uptime_before)} / {' '.join(load_avg_during)} |")
    print(f"| wrk | {DURATION} s per run, -t1 at 1 connection, -t2 otherwise |")


def submissions(plain, connections, label=""):
    """One durable-submission measurement on a new database, with INTAKE_BENCH_PLAIN=plain."""
    os.makedirs(WORK, exist_ok=True)
    database = os.path.join(WORK, "fast-paths.sqlite")
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    port = 18192
    proc, _ = start_server(database, port, "fast-paths.log", {"INTAKE_BENCH_PLAIN": plain})
    try:
        time.sleep(1)
        body_file = os.path.join(WORK, "body.txt")
        with open(body_file, "w") as f:
            f.write(form_body(port))
        before = reports_in(database)
        cpu_before = cpu_seconds(proc.pid)
        r = wrk(port, connections, body_file)
        # The server's CPU time per stored report: steadier than the rate on a shared machine.
        r["cpu_us"] = (cpu_seconds(proc.pid) - cpu_before) * 1e6 / max(1, reports_in(database) - before)
        r["stored"] = reports_in(database) - before
        r["rate"] = r["stored"] / r["seconds"]
    finally:
        stop(proc)
    r.update(plain=plain, label=label, connections=connections, load=open("/proc/loadavg").read().split()[0])
    log(f"{label or 'plain=' + (plain or 'none')} {connections} connections: {r['rate']:.0f}/s p99 {r['p99'] / 1000:.2f} ms, {r['cpu_us']:.0f} µs CPU per report")
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--submissions":
        args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
        submissions(args.get("--plain", ""), int(args.get("--connections", "64")), args.get("--label", ""))
    else:
        main()
