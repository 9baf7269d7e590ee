#!/usr/bin/env bash
# Benchmark, issue 19: the SLO probe as a load generator against `ab`, and a metric gate's
# query round trip against `curl` of the same query URL.
#
# 1. An http step probing /api/health of a sandbox (2,000 samples, 10 at a time, every sample
#    journaled) against `ab -n 2000 -c 10` on the same sandbox, alternately, 7 turns: the rate
#    (samples a second, from the step's own duration in the journal and ab's "Time taken") and
#    the p50 (of the latencies journaled in the probe entries; ab's -e percentiles). `ab -k`
#    (keep-alive, as cutover's client) is measured in the same turns, for reference.
# 2. A Prometheus (Debian's) scraping the sandbox: a metric step of 20 samples with no interval
#    (each sample's round trip is journaled as latency_ms) against 20 runs of `curl` of the
#    same /api/v1/query URL (its time_total), alternately, 5 turns; medians of every sample.
#
#   bash bench/metric_gates.sh        (needs ab — apache2-utils — and prometheus)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

command -v ab >/dev/null || { echo "needs ab (apt-get install apache2-utils)" >&2; exit 1; }
command -v prometheus >/dev/null || { echo "needs prometheus (apt-get install prometheus)" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/cutover
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(free_port)
"$bin" sandbox --listen "127.0.0.1:$port" --state "$work/state" --traffic 20 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.05; done

cat >"$work/probe.toml" <<TOML
[runbook]
name = "probe"

[[phase]]
id = "p"

[[phase.step]]
id = "slo"
kind = "http"
url = "http://127.0.0.1:$port/api/health"
samples = 2000
concurrency = 10
TOML

probe_rates=() probe_p50s=() ab_rates=() ab_p50s=() abk_rates=() abk_p50s=()
for turn in $(seq 7); do
    rm -rf "$work/runs"
    "$bin" run "$work/probe.toml" --headless --auto --drill --log-dir "$work/runs" >/dev/null 2>&1
    result=$(grep -h '"kind":"step_result"' "$work"/runs/probe/*/journal.log | cut -f1)
    ms=$(echo "$result" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["body"]["duration_ms"])')
    p50=$(grep -h '"kind":"probe"' "$work"/runs/probe/*/journal.log | cut -f1 |
        python3 -c 'import json,sys,statistics; print("%.3f" % statistics.median(e["body"]["latency_ms"] for e in map(json.loads, sys.stdin) if e["kind"] == "probe"))')
    probe_rates+=("$(awk -v ms="$ms" 'BEGIN { printf "%.0f", 2000 / (ms / 1000) }')")
    probe_p50s+=("$p50")
    ab -q -n 2000 -c 10 -e "$work/ab.csv" "http://127.0.0.1:$port/api/health" >"$work/ab.txt" 2>&1
    taken=$(awk '/Time taken for tests/ { print $5 }' "$work/ab.txt")
    ab_rates+=("$(awk -v s="$taken" 'BEGIN { printf "%.0f", 2000 / s }')")
    ab_p50s+=("$(awk -F, '$1 == "50" { print $2 }' "$work/ab.csv")")
    # ab opens a connection per request; with -k it keeps them, as cutover's client does.
    ab -q -k -n 2000 -c 10 -e "$work/abk.csv" "http://127.0.0.1:$port/api/health" >"$work/abk.txt" 2>&1
    taken=$(awk '/Time taken for tests/ { print $5 }' "$work/abk.txt")
    abk_rates+=("$(awk -v s="$taken" 'BEGIN { printf "%.0f", 2000 / s }')")
    abk_p50s+=("$(awk -F, '$1 == "50" { print $2 }' "$work/abk.csv")")
done
med() { printf '%s\n' "$@" | median; }
probe_rate=$(med "${probe_rates[@]}") ab_rate=$(med "${ab_rates[@]}")
probe_p50=$(med "${probe_p50s[@]}") ab_p50=$(med "${ab_p50s[@]}")
echo "SLO probe, 2,000 samples at concurrency 10 (medians of 7 alternate turns)"
echo "cutover probe (journaled)  ${probe_rate} samples/s, p50 ${probe_p50} ms   (turns: ${probe_rates[*]})"
echo "ab -n 2000 -c 10           ${ab_rate} requests/s, p50 ${ab_p50} ms   (turns: ${ab_rates[*]})"
echo "ab -k -n 2000 -c 10        $(med "${abk_rates[@]}") requests/s, p50 $(med "${abk_p50s[@]}") ms   (keep-alive; turns: ${abk_rates[*]})"
awk -v a="$probe_rate" -v b="$ab_rate" -v p="$probe_p50" -v q="$ab_p50" \
    'BEGIN { printf "rate ratio                 %.2fx ab (target >= 0.5x); p50 difference %+.2f ms (target within 0.3 ms)\n", a / b, p - q }'

# An injected latency of 20 ms, 10 requests at a time: each request must wait its own 20 ms.
curl -sf -X POST "http://127.0.0.1:$port/_sandbox/fault" -d '{"path":"/api/health","latency_ms":20}' >/dev/null
sed -e 's/samples = 2000/samples = 200/' "$work/probe.toml" >"$work/slow.toml"
rm -rf "$work/runs"
"$bin" run "$work/slow.toml" --headless --auto --drill --log-dir "$work/runs" >/dev/null 2>&1
slow_probe=$(grep -h '"kind":"probe"' "$work"/runs/probe/*/journal.log | cut -f1 |
    python3 -c 'import json,sys,statistics; print("%.1f" % statistics.median(e["body"]["latency_ms"] for e in map(json.loads, sys.stdin) if e["kind"] == "probe"))')
ab -q -n 200 -c 10 -e "$work/slow.csv" "http://127.0.0.1:$port/api/health" >/dev/null 2>&1
slow_ab=$(awk -F, '$1 == "50" { print $2 }' "$work/slow.csv")
curl -sf -X DELETE "http://127.0.0.1:$port/_sandbox/fault" >/dev/null
echo
echo "20 ms injected, 200 requests at concurrency 10: p50 cutover probe ${slow_probe} ms, ab ${slow_ab} ms (target about 20 ms)"

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: nexus
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=error >/dev/null 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
query='sum(rate(nexus_http_requests_total{route="/api/health"}[5s]))'
# Until the rate has two scrapes to work from, the gate would be inconclusive.
for _ in $(seq 300); do
    curl -s --get --data-urlencode "query=$query" "$prom/api/v1/query" | grep -q '"result":\[{' && break
    sleep 0.1
done
cat >"$work/gate.toml" <<TOML
[runbook]
name = "gate"

[[phase]]
id = "p"

[[phase.step]]
id = "gate"
kind = "metric"
url = "$prom"
query = '$query'
min = 0
samples = 20
interval = "0s"
failure_limit = 20
inconclusive_limit = 20
TOML
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
gate_ms=() curl_ms=()
for turn in $(seq 5); do
    rm -rf "$work/runs"
    "$bin" run "$work/gate.toml" --headless --auto --drill --log-dir "$work/runs" >/dev/null 2>&1
    while read -r ms; do gate_ms+=("$ms"); done < <(grep -h '"kind":"metric"' "$work"/runs/gate/*/journal.log | cut -f1 |
        python3 -c 'import json,sys; [print(e["body"]["latency_ms"]) for e in map(json.loads, sys.stdin) if e["kind"] == "metric"]')
    for _ in $(seq 20); do
        now=$(date +%s.%N)
        curl_ms+=("$(curl -s -o /dev/null -w '%{time_total}' "$prom/api/v1/query?query=$encoded&time=${now:0:14}" |
            awk '{ printf "%.3f", $1 * 1000 }')")
    done
done
gate=$(med "${gate_ms[@]}") curl_median=$(med "${curl_ms[@]}")
echo
echo "metric gate query round trip (medians of 100 samples each, 5 alternate turns of 20)"
echo "cutover metric step  ${gate} ms"
echo "curl                 ${curl_median} ms (time_total)"
awk -v a="$gate" -v b="$curl_median" 'BEGIN { printf "ratio                %.2fx curl (target <= 1.5x)\n", a / b }'
