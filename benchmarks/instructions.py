#!/usr/bin/env python3
"""Instructions per filed report, counted by valgrind's callgrind: repeatable where wall-clock
figures are not (a shared 2-core machine moves submissions/s by ±10–15 % between runs; the
instruction count of the same binary and inputs moves by well under 1 %).

    benchmarks/instructions.py LABEL=BINARY[:SOURCES] …   (benchmarks/instructions.sh [REV…] builds them)

For each build: `intake serve` starts under `valgrind --tool=callgrind --instr-atstart=no` on a
new database (same settings as bench.py: no rate limit, no minimum fill time, SMTP at a closed
port), gets the report form, files WARMUP reports, switches instrumentation on, files REPORTS reports
one after another on one keep-alive connection (each answered 303, counted in the database
afterwards), switches it off and dumps. Printed: instructions per report in all and per
part (the object file: the intake binary, libsqlite3, the Swift runtime, Foundation, libc, the
kernel-side syscalls are not counted), the difference to the first build, and the functions
whose count per report changed most. BENCH_REPORTS (200), BENCH_WARMUP (30).
"""
import collections, http.client, os, re, shutil, sqlite3, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (env_for, form_body)

REPORTS = int(os.environ.get("BENCH_REPORTS", "200"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "30"))
# More than one connection lets group commit put several reports in one commit, as under load;
# the count then depends a little on how valgrind schedules the threads.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "1"))
# BENCH_CACHE=1: valgrind also simulates the caches (slower): misses per report by part, for
# time that instructions do not explain.
CACHE = os.environ.get("BENCH_CACHE") == "1"


def log(*a):
    print("instructions:", *a, file=sys.stderr, flush=True)


def post(conn, body):
    conn.request("POST", "/rapportera/stockholm", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"a report was answered {response.status}, not 303")


def control(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


SHIM = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
/* Valgrind 3.19 writes to the mask of rt_sigsuspend; libdispatch (the async main's dispatch_main)
   passes a constant one in read-only memory, and valgrind dies of SIGSEGV. A copy on the stack. */
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
"""


def sigsuspend_shim(work):
    source, library = os.path.join(work, "sigsuspend.c"), os.path.join(work, "sigsuspend.so")
    if not os.path.exists(library):
        with open(source, "w") as f:
            f.write(SHIM)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", library, source], check=True)
    return library


def measure(label, binary, sources, work):
    database = os.path.join(work, f"{label}.sqlite")
    out = os.path.join(work, f"{label}.callgrind")
    port = 18293
    bench.SOURCES = sources
    env = bench.env_for(database, port)
    logf = open(os.path.join(work, f"{label}.log"), "w")
    # Valgrind 3.19 (Debian 12) cannot read the DWARF 5 that Swift 6.3 writes: a copy without
    # debug information keeps the symbol table, which is all the function names need.
    stripped = os.path.join(work, f"{label}-intake")
    subprocess.run(["strip", "--strip-debug", "-o", stripped, binary], check=True)
    env["LD_PRELOAD"] = sigsuspend_shim(work)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
                            + (["--cache-sim=yes"] if CACHE else []) + [stripped, "serve"], env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() - started > 600:
                raise SystemExit(f"{label}: the server did not start:\n" + open(logf.name).read()[-3000:])
            time.sleep(0.5)
        body = bench.form_body(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(WARMUP):
            post(conn, body)
        time.sleep(1)
        control(proc.pid, "-z")
        control(proc.pid, "-i", "on")
        if CONNECTIONS == 1:
            for _ in range(REPORTS):
                post(conn, body)
        else:
            def client(count):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                for _ in range(count):
                    post(c, body)
                c.close()
            clients = [threading.Thread(target=client, args=(REPORTS // CONNECTIONS + (i < REPORTS % CONNECTIONS),))
                       for i in range(CONNECTIONS)]
            for t in clients:
                t.start()
            for t in clients:
                t.join()
        control(proc.pid, "-i", "off")
        control(proc.pid, "-d")
        conn.close()
    finally:
        proc.terminate()
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    db = sqlite3.connect(database)
    stored = db.execute("SELECT COUNT(*) FROM report").fetchone()[0]
    db.close()
    if stored != WARMUP + REPORTS:
        raise SystemExit(f"{label}: {stored} reports stored, {WARMUP + REPORTS} filed")
    dumps = [os.path.join(work, f) for f in os.listdir(work) if f.startswith(f"{label}.callgrind")]
    result = {"Ir": parse(dumps)}
    if CACHE:
        for event in ("D1mr", "D1mw", "DLmr", "DLmw", "ILmr"):
            result[event] = parse(dumps, event)
    return result


def parse(paths, event="Ir"):
    """Self cost of one event (Ir: instructions; with BENCH_CACHE=1 also D1mr, DLmr, …) per
    (object, function), summed over the dump files."""
    costs = collections.Counter()
    for path in paths:
        column = 1
        names = {"ob": {}, "fn": {}}
        ob = fn = None
        skip = False
        for line in open(path, errors="replace"):
            if line[0].isdigit() or line[0] in "+-*":
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) > column and fn is not None:
                    costs[(ob, fn)] += int(parts[column])
                continue
            if line.startswith("events:"):
                events = line.split()[1:]
                column = 1 + events.index(event) if event in events else len(line)
                continue
            m = re.match(r"(ob|fn|cob|cfn|fl|fi|fe|cfi|cfl)=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
            if m:
                kind, ident, name = m.groups()
                table = "ob" if kind in ("ob", "cob") else "fn" if kind in ("fn", "cfn") else None
                if table and ident:
                    if name:
                        names[table][ident] = name
                    name = names[table].get(ident, name)
                if kind == "ob":
                    ob = name
                elif kind == "fn":
                    fn = name
                continue
            if line.startswith("calls="):
                skip = True
    return costs


def same_function(name):
    name = re.sub(r"33_[0-9A-F]{32}", "", name)
    return re.sub(r"(?<![0-9])[0-9]{1,2}Intake(?:Domain|Store|Mail|Web|Forms|Services|CLI)?(?=[0-9])", "Intake*", name)


def part(ob):
    base = os.path.basename(ob or "?")
    if base.endswith("-intake"):
        return "intake"
    for key, name in (("libsqlite3", "SQLite"), ("libswiftCore", "Swift runtime"), ("libFoundation", "Foundation"),
                      ("lib_FoundationICU", "ICU"), ("libicu", "ICU"), ("libc.so", "libc"), ("libc-", "libc"),
                      ("libdispatch", "Dispatch"), ("libswift_Concurrency", "Swift concurrency"), ("ld-linux", "loader"),
                      ("vgpreload", "valgrind malloc"), ("libcurl", "curl")):
        if key in base:
            return name
    return base


def main():
    builds = []
    for arg in sys.argv[1:]:
        label, _, rest = arg.partition("=")
        binary, _, sources = rest.partition(":")
        builds.append((label, binary, sources or bench.ROOT))
    if not builds:
        raise SystemExit(__doc__)
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install valgrind")
    work = tempfile.mkdtemp(prefix="instructions-")
    results = {}
    for label, binary, sources in builds:
        log(f"{label}: {REPORTS} reports under callgrind (a few minutes)")
        results[label] = measure(label, binary, sources, work)
    log(f"callgrind files in {work}")
    report(builds, results)


def report(builds, all_results):
    labels = [b[0] for b in builds]
    results = {label: all_results[label]["Ir"] for label in labels}
    per_report = {label: {k: v / REPORTS for k, v in results[label].items()} for label in labels}
    parts = {label: collections.Counter() for label in labels}
    for label in labels:
        for (ob, _), v in per_report[label].items():
            parts[label][part(ob)] += v
    names = sorted(set().union(*[parts[l].keys() for l in labels]), key=lambda n: -max(parts[l][n] for l in labels))
    total = {label: sum(parts[label].values()) for label in labels}
    base = labels[0]
    print(f"Instructions per filed report (callgrind, {REPORTS} reports after {WARMUP} warm-up, "
          f"{'one connection' if CONNECTIONS == 1 else f'{CONNECTIONS} connections'})\n")
    print("| part | " + " | ".join(labels) + " | " + " | ".join(f"Δ {l}" for l in labels[1:]) + " |")
    print("|---" * (1 + 2 * len(labels) - 1) + "|")
    for n in [None] + names:
        row = total if n is None else {l: parts[l][n] for l in labels}
        if n is not None and max(row.values()) < 0.002 * total[base]:
            continue
        cells = " | ".join(f"{row[l] / 1000:,.0f} k" for l in labels)
        deltas = " | ".join(f"{(row[l] - row[base]) / 1000:+,.0f} k ({(row[l] / row[base] - 1) * 100 if row[base] else 0:+.1f} %)" for l in labels[1:])
        print(f"| {'**all**' if n is None else n} | {cells} | {deltas} |")
    if CACHE:
        print("\nCache misses per filed report (valgrind's simulation of this machine's caches): "
              "L1 data (read + write) and last level (data + instructions)\n")
        print("| part | " + " | ".join(f"{l} L1d | {l} LL" for l in labels) + " |")
        print("|---" * (1 + 2 * len(labels)) + "|")
        misses = {}
        for l in labels:
            for kind, events in (("L1d", ("D1mr", "D1mw")), ("LL", ("DLmr", "DLmw", "ILmr"))):
                counter = collections.Counter()
                for event in events:
                    for (ob, _), v in all_results[l][event].items():
                        counter[part(ob)] += v / REPORTS
                misses[(l, kind)] = counter
        rows = sorted(set().union(*[c.keys() for c in misses.values()]), key=lambda n: -misses[(labels[-1], "L1d")][n])
        for n in [None] + rows:
            cells = []
            for l in labels:
                for kind in ("L1d", "LL"):
                    c = misses[(l, kind)]
                    cells.append(f"{(sum(c.values()) if n is None else c[n]):,.0f}")
            if n is not None and max(misses[(l, "L1d")][n] for l in labels) < 50:
                continue
            print(f"| {'**all**' if n is None else n} | " + " | ".join(cells) + " |")
    for l in labels[1:]:
        print(f"\nFunctions whose instructions per report changed most, {base} → {l} (self cost):\n")
        keys = set(per_report[base]) | set(per_report[l])
        # The same function in another build has the same name once the module (Intake before the
        # split of #18, IntakeDomain, IntakeWeb… after it) and file-private discriminators are left out.
        by_name = collections.Counter()
        for (ob, fn) in keys:
            by_name[(part(ob), same_function(fn))] += per_report[l].get((ob, fn), 0) - per_report[base].get((ob, fn), 0)
        for (p, fn), d in sorted(by_name.items(), key=lambda kv: -abs(kv[1]))[:int(os.environ.get("BENCH_FUNCTIONS", "25"))]:
            print(f"- {d / 1000:+,.1f} k  {p}: {fn[:160]}")



if __name__ == "__main__":
    main()
