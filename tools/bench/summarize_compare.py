#!/usr/bin/env python3
"""Medians of target/bench/compare.jsonl (from compare.sh), per server.

    tools/bench/summarize_compare.py [compare.jsonl]
"""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "target/bench/compare.jsonl"):
    if line.startswith("{"):
        record = json.loads(line)
        server, scenario = record["label"].split(":", 1)
        runs[(server, scenario)].append(record)
servers = sorted({server for server, _ in runs}, key=lambda s: s != "ferrymq")


def median(server, scenario, *path):
    values = []
    for record in runs.get((server, scenario), []):
        for key in path:
            record = record.get(key) if isinstance(record, dict) else None
        if record is not None:
            values.append(record)
    return statistics.median(values) if values else None


rows = [
    ("one-broker topic lookups per server CPU-second", "route-1", ("requests_per_server_cpu_s",), 0),
    ("100-broker topic lookups per server CPU-second", "route-100", ("requests_per_server_cpu_s",), 0),
    ("one-broker lookups p99 (µs)", "route-1", ("p99_us",), 0),
    ("100-broker lookups p99 (µs)", "route-100", ("p99_us",), 0),
    ("first registration of a 1000-topic broker (server CPU ms)", "register", ("passes", "first", "server_cpu_ms_per_registration"), 2),
    ("the same registration again, nothing changed (server CPU ms)", "register", ("passes", "unchanged", "server_cpu_ms_per_registration"), 2),
    ("the same with a new data version (server CPU ms)", "register", ("passes", "changed", "server_cpu_ms_per_registration"), 2),
    # CPU time comes from /proc in 10 ms ticks over 100 registrations, so
    # below about 0.1 ms the latency tells more.
    ("first registration, median latency (µs)", "register", ("passes", "first", "median_latency_us"), 0),
    ("unchanged registration, median latency (µs)", "register", ("passes", "unchanged", "median_latency_us"), 0),
    ("RSS, 100 brokers x the same 1000 topics (MiB)", "memory-shared", ("rss_after_mib",), 1),
    ("RSS, 100k distinct topics (MiB)", "memory-distinct", ("rss_after_mib",), 1),
]
print("| measure | " + " | ".join(servers) + " | ratio |")
print("|---|" + "---|" * len(servers) + "---|")
for name, scenario, path, digits in rows:
    values = [median(server, scenario, *path) for server in servers]
    cells = ["-" if v is None else f"{v:,.{digits}f}" for v in values]
    ratio = ""
    if len(values) == 2 and all(values) and values[1]:
        better_high = "per server CPU-second" in name
        ratio = f"{values[0] / values[1]:.1f}x" if better_high else f"{values[1] / values[0]:.1f}x"
    count = min(len(runs.get((server, scenario), [])) for server in servers)
    print(f"| {name} ({count} runs) | " + " | ".join(cells) + f" | {ratio} |")
