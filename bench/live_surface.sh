#!/usr/bin/env bash
# Benchmark, issue 29: a live run's memory and time while its socket is abused.
# One command step writes SIZE bytes (default 1 GiB) of text; the run is `cutover run --headless
# --drill --auto` (release build, journal on tmpfs); its first step waits until the clients are
# connected. Measured: the engine's peak RSS (GNU time) and the output step's time (its journal's
# start and end), in three kinds of turn, alternately (TURNS=N, default 5):
#   quiet    nobody attached;
#   stalled  200 watchers that never read a byte, plus one that reads 1 KiB every 20 ms
#            (bench/hostile_clients.py stalled 200);
#   idle     1,000 connections that never say hello (bench/hostile_clients.py idle 1000);
# against `tee`: the same bytes through `tee` into a file on the same tmpfs (time only; its RSS
# is printed for scale).
# Usage: bash bench/live_surface.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
cargo build --release --quiet
cutover=$PWD/target/release/cutover
work=$(mktemp -d -p /dev/shm)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
unset SSH_AUTH_SOCK
size=${SIZE:-1073741824}
line=0123456789012345678901234567890123456789012345678901234567890123456789
cat >"$work/flood.toml" <<TOML
[runbook]
name = "flood"
title = "A step that writes a lot"

[vars.go]
required = true
description = "A file that exists once the clients are connected"

[[phase]]
id = "main"

[[phase.step]]
id = "clients"
kind = "command"
run = "while [ ! -e {{ go }} ]; do sleep 0.01; done"

[[phase.step]]
id = "flood"
kind = "command"
run = "yes $line | head -c $size"
TOML

# The flood step's milliseconds, from its journal's step_start to its step_result.
flood_ms() {
    grep -h '"step":"flood"' "$1" | cut -f1 | python3 -c '
import json, sys
from datetime import datetime
ts = {}
for line in sys.stdin:
    e = json.loads(line)
    if e["kind"] in ("step_start", "step_result"):
        ts[e["kind"]] = datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp() * 1000
print("%.1f" % (ts["step_result"] - ts["step_start"]))'
}

# One run, with or without hostile clients; prints "milliseconds peak-KiB".
turn() {
    local kind=$1 dir clients=""
    dir=$(mktemp -d -p "$work")
    case $kind in
        quiet) touch "$dir/go" ;;
        stalled) python3 bench/hostile_clients.py "$dir" stalled 200 "$dir/go" & clients=$! ;;
        idle) python3 bench/hostile_clients.py "$dir" idle 1000 "$dir/go" & clients=$! ;;
    esac
    /usr/bin/time -f %M -o "$work/rss" "$cutover" run "$work/flood.toml" --headless --drill --auto \
        --var "go=$dir/go" --log-dir "$dir" >/dev/null 2>&1
    if [[ -n $clients ]]; then wait "$clients" || true; fi
    printf '%s %s\n' "$(flood_ms "$dir"/flood/*/journal.log)" "$(cat "$work/rss")"
    rm -rf "$dir"
}

tee_turn() {
    local start=${EPOCHREALTIME/./}
    # `yes` ends on a closed pipe: that is how it stops, not a failure.
    { yes "$line" || true; } | head -c "$size" | /usr/bin/time -f %M -o "$work/rss" tee "$work/tee.out" >/dev/null
    local end=${EPOCHREALTIME/./}
    rm -f "$work/tee.out"
    awk -v us=$((end - start)) -v rss="$(cat "$work/rss")" 'BEGIN { printf "%.1f %d\n", us / 1e3, rss }'
}

declare -A ms rss
for _ in $(seq "${TURNS:-5}"); do
    for kind in tee quiet stalled idle; do
        if [[ $kind == tee ]]; then read -r t r < <(tee_turn); else read -r t r < <(turn "$kind"); fi
        ms[$kind]+="$t"$'\n'
        rss[$kind]+="$r"$'\n'
    done
done
med() { printf '%s' "$1" | median; }
tee_ms=$(med "${ms[tee]}")
echo "$((size / 1048576)) MiB of output, medians of ${TURNS:-5} alternate turns"
for kind in tee quiet stalled idle; do
    t=$(med "${ms[$kind]}") r=$(med "${rss[$kind]}")
    awk -v k="$kind" -v t="$t" -v r="$r" -v base="$tee_ms" \
        'BEGIN { printf "  %-8s %9.1f ms  %5.2fx tee   peak RSS %6.1f MiB\n", k, t, t / base, r / 1024 }'
done
