#!/usr/bin/env bash
# Runs every ferrymq-bench scenario side by side with the `limit` baseline,
# each server pinned to core 0 and the tool to core 1, and appends one JSON
# line per run to target/bench/results.jsonl. Summarize with summarize.py.
#
#   tools/bench/run.sh [rounds]     (default 3 rounds of every scenario)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
out=target/bench
mkdir -p "$out"
results=$out/results.jsonl
: > "$results"
cargo build --release -q -p ferrymq-namesrv -p ferrymq-tools
namesrv=target/release/ferrymq-namesrv
bench=target/release/ferrymq-bench
port=29876
addr=127.0.0.1:$port
pid=

start_namesrv() {
    rm -f "$out/kvConfig.json"
    taskset -c 0 "$namesrv" --listen-port $port --kv-config-path "$out/kvConfig.json" "$@" >"$out/namesrv.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && return
        sleep 0.05
    done
    echo "name server did not start" >&2
    exit 1
}

start_limit() {
    taskset -c 0 "$bench" serve-limit --listen 127.0.0.1:29899 --response-bytes "$1" >"$out/limit.log" 2>&1 &
    pid=$!
    sleep 0.3
}

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

run() {
    local label=$1
    shift
    echo "== $label: $*" >&2
    taskset -c 1 "$bench" "$@" --server-pid "$pid" | sed "s/^{/{\"label\":\"$label\",/" | tee -a "$results"
}

trap stop EXIT
for round in $(seq "$rounds"); do
    echo "### round $round" >&2
    start_namesrv
    run route-1 route --addr $addr -b 1 --topic R1
    run route-100 route --addr $addr -b 100 --topic R100
    run route-1-unpipelined route --addr $addr -b 1 --topic R1 -p 1
    run route-1-legacy route --addr $addr -b 1 --topic R1 --request-version 121
    stop
    for size in $(grep -o '"label":"route-1[0]*",[^}]*"response_bytes":[0-9]*' "$results" | tail -2 | grep -o 'response_bytes":[0-9]*' | cut -d: -f2); do
        start_limit "$size"
        run "limit-$size" route --addr 127.0.0.1:29899 --no-setup --topic x
        run "limit-$size-unpipelined" route --addr 127.0.0.1:29899 --no-setup --topic x -p 1
        stop
    done
    start_namesrv
    run register-shared register --addr $addr -b 100 -t 1000 --repeat 3
    stop
    start_namesrv
    run register-distinct register --addr $addr -b 100 -t 1000 --repeat 3 --distinct
    stop
    start_namesrv
    run memory-shared memory --addr $addr -b 100 -t 1000
    stop
    start_namesrv
    run memory-distinct memory --addr $addr -b 100 -t 1000 --distinct
    stop
    start_namesrv
    run mixed mixed --addr $addr -b 100 -t 1000 -c 8 -p 1
    run mixed-changing mixed --addr $addr -b 100 -t 1000 -c 8 -p 1 --changing
    stop
    start_namesrv -D scanNotActiveBrokerInterval=1000
    run eviction eviction --addr $addr --timeout-ms 3000
    stop
done
# Throughput and latency against connections, for the chart.
start_namesrv
for connections in 1 2 4 8 16 32 64; do
    run "sweep-$connections" route --addr $addr -b 1 --topic S1 -c "$connections" -d 3 --warmup 0.5
done
stop
echo "results in $results" >&2
