#!/usr/bin/env python3
"""The table of benchmarks/before-after.sh and benchmarks/fast-paths.sh: one row per build or
variant from bench.py's JSON lines, the median of its rounds and the difference to the first.

    median_table.py RESULTS KEY TITLE NAME…     KEY: the JSON field that names a row (label, plain)
"""
import json, statistics, sys

path, key, title, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r[key], []).append(r)


def median(name, field):
    return statistics.median(r[field] for r in runs[name])


def delta(name, field):
    return "–" if name == names[0] else f"{(median(name, field) / median(names[0], field) - 1) * 100:+.1f} %"


print(f"| {title} | durable submissions/s (64 connections) | p99 | server CPU per report | Δ submissions/s | Δ p99 | Δ CPU per report | runs (submissions/s) |")
print("|---|---|---|---|---|---|---|---|")
for n in names:
    rates = " · ".join(f"{r['rate']:,.0f}" for r in runs[n])
    print(f"| {n} | {median(n, 'rate'):,.0f}/s | {median(n, 'p99') / 1000:.2f} ms | {median(n, 'cpu_us'):.0f} µs | "
          f"{delta(n, 'rate')} | {delta(n, 'p99')} | {delta(n, 'cpu_us')} | {rates} |")
print()
