#!/usr/bin/env bash
# Measures ferrymq and another name server side by side, in alternating
# rounds, with the same scenarios and the same pinning (server on core 0,
# tool on core 1). The other server is given as a command line in which
# {port} and {dir} stand for the port and a scratch directory, e.g.
#
#   tools/bench/compare.sh rocketmq-rust \
#     '/path/to/rocketmq-namesrv-rust --listenPort {port} --bindAddress 127.0.0.1 --rocketmqHome {dir} --kvConfigPath {dir}/kv.json --log-filter warn' 3
#
# One JSON line per run goes to target/bench/compare.jsonl, labelled
# "<server>:<scenario>"; summarize with tools/bench/summarize_compare.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: compare.sh NAME 'COMMAND with {port} {dir}' [rounds]}
other=${2:?usage: compare.sh NAME 'COMMAND with {port} {dir}' [rounds]}
rounds=${3:-3}
out=target/bench
mkdir -p "$out"
results=$out/compare.jsonl
: > "$results"
cargo build --release -q -p ferrymq-namesrv -p ferrymq-tools
bench=target/release/ferrymq-bench
port=29876
pid=

start() {
    local command=$1 dir
    dir=$(mktemp -d)
    command=${command//\{port\}/$port}
    command=${command//\{dir\}/$dir}
    # shellcheck disable=SC2086
    taskset -c 0 $command >"$out/compare-server.log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do
        (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && { sleep 0.5; return; }
        sleep 0.05
    done
    echo "server did not start: $command (see $out/compare-server.log)" >&2
    exit 1
}

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 0.5
}

run() {
    local label=$1
    shift
    echo "== $label" >&2
    taskset -c 1 "$bench" "$@" --addr 127.0.0.1:$port --server-pid "$pid" \
        | sed "s/^{/{\"label\":\"$label\",/" | tee -a "$results"
}

trap stop EXIT
ferrymq="target/release/ferrymq-namesrv --listen-port {port} --kv-config-path {dir}/kv.json"
for round in $(seq "$rounds"); do
    for server in ferrymq "$name"; do
        command=$ferrymq
        [ "$server" = ferrymq ] || command=$other
        start "$command"
        run "$server:route-1" route -b 1 --topic R1 -d 10 --warmup 5
        run "$server:route-100" route -b 100 --topic R100 -d 10 --warmup 5
        stop
        start "$command"
        run "$server:register" register -b 100 -t 1000
        stop
        start "$command"
        run "$server:memory-shared" memory -b 100 -t 1000
        stop
        start "$command"
        run "$server:memory-distinct" memory -b 100 -t 1000 --distinct
        stop
    done
done
echo "results in $results" >&2
