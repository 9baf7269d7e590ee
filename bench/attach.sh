#!/usr/bin/env bash
# Benchmark, issue 16: watching a live run.
#   1. Per step, 200 `echo` steps on tmpfs, with no watcher and with ten watchers attached
#      (bench/watchers.py: ten clients of the run's socket reading every frame), paired, 11
#      turns each. The per-step figure is read from the journal: from the first echo step's
#      start to the footer, over 200 (a first step of 1 s gives the watchers time to attach).
#   2. How long after its journal entry an event reaches a watcher: each `step_started` as the
#      first watcher received it, against the entry's own timestamp; p50 and p99 over the
#      steps of every turn with watchers.
#   3. `cutover attach --watch`: the whole screen drawn, in a pty (bench/attach_pty.py).
# Usage: bash bench/attach.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
cargo build --release --quiet
cutover=$PWD/target/release/cutover
work=$(mktemp -d -p /dev/shm)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
unset SSH_AUTH_SOCK
{
    printf '[runbook]\nname = "watched"\n\n[[phase]]\nid = "main"\n\n'
    printf '[[phase.step]]\nid = "settle"\nkind = "command"\nrun = "sleep 1"\n\n'
    for k in $(seq 0 199); do
        printf '[[phase.step]]\nid = "step-%d"\nkind = "command"\nrun = "echo step %d"\n\n' "$k" "$k"
    done
} >"$work/200.toml"

# The per-step milliseconds of the run in $1 (from step-0's start to the footer).
per_step() { journal_per_step "$1"/watched/*/journal.log; }

alone=() watched=() latencies="$work/latencies"
: >"$latencies"
"$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$work/warm" >/dev/null 2>&1
for turn in $(seq "${TURNS:-11}"); do
    dir="$work/alone-$turn"
    "$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$dir" >/dev/null 2>&1
    alone+=("$(per_step "$dir")")
    dir="$work/watched-$turn"
    "$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$dir" >/dev/null 2>&1 &
    run=$!
    while ! ls "$dir"/watched/*/engine.sock >/dev/null 2>&1; do sleep 0.01; done
    run_dir=$(dirname "$(ls "$dir"/watched/*/engine.sock)")
    python3 bench/watchers.py "$run_dir" 10 "$work/arrivals" &
    watchers=$!
    wait "$run"
    wait "$watchers"
    watched+=("$(per_step "$dir")")
    grep -h '"kind":"step_start"' "$run_dir/journal.log" | cut -f1 | python3 -c '
import json, sys
from datetime import datetime
starts = [datetime.fromisoformat(json.loads(l)["ts"].replace("Z", "+00:00")).timestamp() * 1000 for l in sys.stdin]
arrivals = [float(x) for x in open(sys.argv[1]).read().split()]
# The replay brings the events from before the watchers came: only the live ones are timed.
for start, arrived in list(zip(starts, arrivals))[-200:]:
    print("%.3f" % (arrived - start))' "$work/arrivals" >>"$latencies"
done
med() { printf '%s\n' "$@" | median; }
a=$(med "${alone[@]}") w=$(med "${watched[@]}")
echo "per step, 200 echo steps on tmpfs (medians of ${TURNS:-11} alternate turns)"
echo "  no watcher     ${a} ms   (turns: ${alone[*]})"
echo "  ten watchers   ${w} ms   (turns: ${watched[*]})"
awk -v a="$a" -v w="$w" 'BEGIN { printf "  change %+.1f %% (target <= 5 %%)\n", (w / a - 1) * 100 }'
sort -n "$latencies" | awk '{ v[NR] = $1 } END {
    p50 = v[int(NR * 0.5) > 0 ? int(NR * 0.5) : 1]; p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
    printf "event to watcher after its journal entry: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d events (target p99 <= 50 ms)\n", p50, p99, v[NR], NR }'
python3 bench/attach_pty.py "$cutover" 11
