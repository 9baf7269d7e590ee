# Shared helpers for the benchmark scripts: timing in milliseconds and medians.

# time_ms CMD...: runs CMD once with its output discarded, prints the wall time in ms (3 decimals).
# A command that fails is not a measurement: it stops the benchmark with its error output.
# The clock is bash's own $EPOCHREALTIME (microseconds): `date` would add a fork and an exec to
# every measurement, and bias every ratio towards 1.
time_ms() {
    local start end errors
    errors=$(mktemp)
    start=${EPOCHREALTIME/./}
    if ! "$@" >/dev/null 2>"$errors"; then
        echo "benchmark command failed: $*" >&2
        tail -n 5 "$errors" >&2
        rm -f "$errors"
        return 1
    fi
    end=${EPOCHREALTIME/./}
    rm -f "$errors"
    awk -v us=$((end - start)) 'BEGIN { printf "%.3f\n", us / 1e3 }'
}

# median: reads numbers, one per line, prints their median.
median() {
    sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# repeat_median N CMD...: the median wall time of N runs of CMD, in ms; fails if one run fails.
repeat_median() {
    local n=$1 times
    shift
    times=$(for _ in $(seq "$n"); do time_ms "$@" || exit 1; done) || return 1
    echo "$times" | median
}

# paired_medians N A B [C …]: runs the shell functions or commands A, B, … in turn N times
# (A, B, A, B, …), so that a machine that slows down or speeds up during the benchmark weighs
# on all alike; prints their medians in ms, "median_A median_B …". Fails if a run fails.
paired_medians() {
    local n=$1 t i
    shift
    local -a commands=("$@") times=()
    for _ in $(seq "$n"); do
        for i in "${!commands[@]}"; do
            t=$(time_ms ${commands[$i]}) || return 1
            times[i]+="$t"$'\n'
        done
    done
    local medians=()
    for i in "${!commands[@]}"; do
        medians+=("$(printf '%s' "${times[$i]}" | median)")
    done
    echo "${medians[*]}"
}

# write_steps_runbook N [NAME]: a runbook NAME (default two-hundred) of N `echo step K` command
# steps in one phase, on stdout: what the per-step benchmarks run.
write_steps_runbook() {
    local n=$1 name=${2:-two-hundred} k
    printf '[runbook]\nname = "%s"\ntitle = "%d steps"\n\n[[phase]]\nid = "main"\n\n' "$name" "$n"
    for k in $(seq 0 $((n - 1))); do
        printf '[[phase.step]]\nid = "step-%d"\nkind = "command"\nrun = "echo step %d"\n\n' "$k" "$k"
    done
}

# journal_per_step JOURNAL...: the per-step milliseconds of a 200-step run, read from its
# journal: from the first step's start to the footer, over 200.
journal_per_step() {
    grep -h -e '"step":"step-0"' -e '"kind":"footer"' "$@" | cut -f1 |
        python3 -c '
import json, sys
from datetime import datetime
ts = {}
for line in sys.stdin:
    e = json.loads(line)
    key = "footer" if e["kind"] == "footer" else ("start" if e["kind"] == "step_start" else None)
    if key and key not in ts:
        ts[key] = datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp() * 1000
print("%.3f" % ((ts["footer"] - ts["start"]) / 200))'
}

# build_engine_benches: the release build and the engine's two benchmark programs, as
# $floor_bin (benches/spawn_floor.rs) and $engine_bin (benches/engine_headless.rs).
build_engine_benches() {
    cargo build --release --quiet
    cargo bench --bench spawn_floor --bench engine_headless --no-run --quiet 2>/dev/null
    floor_bin=$(ls -t target/release/deps/spawn_floor-* | grep -v '\.d$' | head -n 1)
    engine_bin=$(ls -t target/release/deps/engine_headless-* | grep -v '\.d$' | head -n 1)
}
