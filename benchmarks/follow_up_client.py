"""Client for benchmarks/follow-up.sh: logs in, times dashboard requests and a full CSV export.
Standard library only. Prints figures; asserts nothing."""
import http.cookiejar, re, sys, threading, time, urllib.parse, urllib.request

base, pid, expected = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

html = opener.open(base + "/login").read().decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
data = urllib.parse.urlencode({"email": "bench@example.se", "password": "ett långt benchmarklösenord", "csrf": csrf}).encode()
opener.open(base + "/login", data=data).read()

def get(path):
    t = time.perf_counter()
    with opener.open(base + path) as r:
        body = r.read()
        assert r.status == 200, r.status
    return time.perf_counter() - t, body

print(f"server RSS before: {rss_mb():.0f} MB")
cold, body = get("/handlaggning/uppfoljning")
total = re.search(r'id="figure-total">(\d+)', body.decode()).group(1)
print(f"dashboard first request (loads {expected} facts): {cold*1000:.0f} ms; reports in default period: {total}")
print(f"server RSS with facts loaded: {rss_mb():.0f} MB")
filters = ["", "?lan=stockholm", "?lan=orebro&avtal=orebro-utskrivning", "?malgrupp=barn-och-unga",
           "?fran=2024-01-01&till=2026-11-25", "?avtal=sthlm-lus", "?lan=varmland&fran=2026-01-01&till=2026-06-30", "?avtal=ingen"]
cold_times = []
for f in filters:
    t, _ = get("/handlaggning/uppfoljning" + f)
    cold_times.append(t * 1000)
print("dashboard, first request per filter (computed over all facts): " + ", ".join(f"{t:.0f}" for t in cold_times) + " ms")
times = []
for i in range(200):
    t, _ = get("/handlaggning/uppfoljning" + filters[i % len(filters)])
    times.append(t * 1000)
times.sort()
pct = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(f"dashboard (200 requests, 8 filters, sequential; figures cached until data changes): p50 {pct(0.50):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, max {times[-1]:.1f} ms")
# After any report changes, every filter is computed again: that cost is the "first request per
# filter" figure above.
t, _ = get("/handlaggning/uppfoljning/sammanstallning.csv")
print(f"aggregates export: {t*1000:.1f} ms")

samples, stop = [], False
def sample():
    while not stop:
        samples.append(rss_mb())
        time.sleep(0.05)
sampler = threading.Thread(target=sample)
before = rss_mb()
sampler.start()
t = time.perf_counter()
rows, size = 0, 0
with opener.open(base + "/handlaggning/uppfoljning/rapporter.csv?fran=2000-01-01&till=2030-12-31") as r:
    while True:
        chunk = r.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
        rows += chunk.count(b"\n")
elapsed = time.perf_counter() - t
stop = True
sampler.join()
rows -= 1  # header
print(f"CSV export: {rows} rows, {size/1048576:.0f} MB in {elapsed:.2f} s = {rows/elapsed:,.0f} rows/s")
print(f"server RSS during export: before {before:.0f} MB, max {max(samples):.0f} MB, after {rss_mb():.0f} MB")
