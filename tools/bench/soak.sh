#!/usr/bin/env bash
# The soak test (not in CI): a release name server under 100 simulated
# brokers re-registering every second and 32 clients looking up routes,
# for MINUTES minutes (default 30). Samples the server's RSS and open file
# descriptors every minute into target/bench/soak.csv; the load's summary
# (requests, errors, latencies) is the last line of target/bench/soak.json.
#
#   tools/bench/soak.sh [minutes]
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-30}
out=target/bench
mkdir -p "$out"
cargo build --release -q -p ferrymq-namesrv -p ferrymq-tools
port=29877
rm -f "$out/soak-kv.json"
target/release/ferrymq-namesrv --listen-port $port --kv-config-path "$out/soak-kv.json" >"$out/soak-namesrv.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 0.5
target/release/ferrymq-bench mixed --addr 127.0.0.1:$port --server-pid $pid \
    -b 100 -t 1000 -c 32 -p 1 -d $((minutes * 60)) >"$out/soak.json" 2>"$out/soak-bench.log" &
load=$!
echo "minute,rss_kib,open_fds,threads" >"$out/soak.csv"
for minute in $(seq 0 "$minutes"); do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    fds=$(ls /proc/$pid/fd | wc -l)
    threads=$(awk '/Threads/ {print $2}' /proc/$pid/status)
    echo "$minute,$rss,$fds,$threads" | tee -a "$out/soak.csv"
    [ "$minute" -lt "$minutes" ] && sleep 60
done
wait $load
tail -1 "$out/soak.json"
