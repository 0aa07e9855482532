#!/usr/bin/env python3
"""Summarizes target/bench/results.jsonl (from run.sh): medians per label as
a markdown table on stdout, and the lookup chart as docs/bench-lookups.svg.

    tools/bench/summarize.py [results.jsonl] [chart.svg]
"""
import json
import statistics
import sys
from collections import defaultdict

results_path = sys.argv[1] if len(sys.argv) > 1 else "target/bench/results.jsonl"
chart_path = sys.argv[2] if len(sys.argv) > 2 else "docs/bench-lookups.svg"
runs = defaultdict(list)
for line in open(results_path):
    line = line.strip()
    if line.startswith("{"):
        record = json.loads(line)
        runs[record["label"]].append(record)


def median(label, *path):
    values = []
    for record in runs.get(label, []):
        value = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            values.append(value)
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


print("| measure | median | runs |")
print("|---|---|---|")
rows = [
    ("one-broker topic lookups per server CPU-second", "route-1", ("requests_per_server_cpu_s",), 0),
    ("  the same, one request in flight per connection", "route-1-unpipelined", ("requests_per_server_cpu_s",), 0),
    ("  the same, legacy JSON (client version 121)", "route-1-legacy", ("requests_per_server_cpu_s",), 0),
    ("100-broker topic lookups per server CPU-second", "route-100", ("requests_per_server_cpu_s",), 0),
    ("one-broker lookups p50 / p99 / p999 (µs), 32x8 in flight", "route-1", None, 0),
    ("100-broker lookups p50 / p99 / p999 (µs), 32x8 in flight", "route-100", None, 0),
    ("first registration of a 1000-topic broker, shared topics (server CPU ms)", "register-shared", ("passes", "first", "server_cpu_ms_per_registration"), 3),
    ("first registration of a 1000-topic broker, distinct topics (server CPU ms)", "register-distinct", ("passes", "first", "server_cpu_ms_per_registration"), 3),
    ("the same registration again, nothing changed (server CPU ms)", "register-shared", ("passes", "unchanged", "server_cpu_ms_per_registration"), 3),
    ("the same registration with a new data version (server CPU ms)", "register-shared", ("passes", "changed", "server_cpu_ms_per_registration"), 3),
    ("RSS, 100 brokers x the same 1000 topics (MiB)", "memory-shared", ("rss_after_mib",), 1),
    ("RSS, 100 brokers x 1000 distinct topics = 100k topics (MiB)", "memory-distinct", ("rss_after_mib",), 1),
    ("lookup p99 (µs), 100 brokers re-registering every second", "mixed", ("p99_us",), 0),
    ("lookup p99 (µs), the same with a new data version each time", "mixed-changing", ("p99_us",), 0),
    ("silent broker (timeout 3 s, scan every 1 s): route gone after (s)", "eviction", ("route_gone_after_s",), 2),
]
for name, label, path, digits in rows:
    count = len(runs.get(label, []))
    if path is None:
        value = " / ".join(fmt(median(label, key)) for key in ("p50_us", "p99_us", "p999_us"))
    else:
        value = fmt(median(label, *path), digits)
    print(f"| {name} | {value} | {count} |")

limits = sorted(label for label in runs if label.startswith("limit-") and not label.endswith("unpipelined"))
for label in limits:
    size = int(label.split("-")[1])
    ours = "route-1" if size < 1000 else "route-100"
    ratio_base = median(label, "requests_per_server_cpu_s")
    ratio_ours = median(ours, "requests_per_server_cpu_s")
    print(f"| limit baseline, {size}-byte responses, per server CPU-second | {fmt(ratio_base)} | {len(runs[label])} |")
    if ratio_base and ratio_ours:
        print(f"| ferrymq / limit ({ours}) | {ratio_ours / ratio_base:.2f} | |")
    unpiped = median(label + "-unpipelined", "requests_per_server_cpu_s")
    if unpiped:
        print(f"| limit baseline, {size}-byte responses, one in flight | {fmt(unpiped)} | {len(runs[label + '-unpipelined'])} |")
piped, unpiped = median("route-1", "requests_per_server_cpu_s"), median("route-1-unpipelined", "requests_per_server_cpu_s")
if piped and unpiped:
    print(f"| pipelining gain (8 vs 1 in flight, per server CPU-second) | {piped / unpiped:.2f}x | |")

# The chart: lookups per second and p99 against connections.
sweep = sorted((r["connections"], r["rps"], r["p99_us"]) for label, rs in runs.items() if label.startswith("sweep-") for r in rs)
if sweep:
    width, height, left, right, top, bottom = 640, 360, 70, 70, 30, 50
    xs = [c for c, _, _ in sweep]
    max_rps = max(r for _, r, _ in sweep) * 1.1
    max_p99 = max(p for _, _, p in sweep) * 1.1
    import math
    def x(c):
        span = math.log2(max(xs)) - math.log2(min(xs)) or 1
        return left + (math.log2(c) - math.log2(min(xs))) / span * (width - left - right)
    def y(value, top_value):
        return height - bottom - value / top_value * (height - top - bottom)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width/2}" y="18" text-anchor="middle" font-size="14">ferrymq: one-broker route lookups (8 in flight per connection)</text>',
             f'<line x1="{left}" y1="{height-bottom}" x2="{width-right}" y2="{height-bottom}" stroke="black"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height-bottom}" stroke="black"/>',
             f'<line x1="{width-right}" y1="{top}" x2="{width-right}" y2="{height-bottom}" stroke="black"/>']
    for c in xs:
        parts.append(f'<text x="{x(c):.1f}" y="{height-bottom+16}" text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{width/2}" y="{height-10}" text-anchor="middle">connections</text>')
    for i in range(5):
        v = max_rps * i / 4
        parts.append(f'<text x="{left-6}" y="{y(v, max_rps)+4:.1f}" text-anchor="end" fill="#1f5fbf">{v/1000:.0f}k</text>')
        p = max_p99 * i / 4
        parts.append(f'<text x="{width-right+6}" y="{y(p, max_p99)+4:.1f}" fill="#bf3f1f">{p:.0f}</text>')
    parts.append(f'<text x="14" y="{height/2}" transform="rotate(-90 14 {height/2})" text-anchor="middle" fill="#1f5fbf">lookups per second</text>')
    parts.append(f'<text x="{width-14}" y="{height/2}" transform="rotate(90 {width-14} {height/2})" text-anchor="middle" fill="#bf3f1f">p99 latency (µs)</text>')
    rps_points = " ".join(f"{x(c):.1f},{y(r, max_rps):.1f}" for c, r, _ in sweep)
    p99_points = " ".join(f"{x(c):.1f},{y(p, max_p99):.1f}" for c, _, p in sweep)
    parts.append(f'<polyline points="{rps_points}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    parts.append(f'<polyline points="{p99_points}" fill="none" stroke="#bf3f1f" stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append('</svg>')
    open(chart_path, "w").write("\n".join(parts) + "\n")
    print(f"\nchart written to {chart_path}", file=sys.stderr)
