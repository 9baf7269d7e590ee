#!/usr/bin/env bash
# Benchmark, issue 16: a terminal run's engine as a process of its own, with one controller
# attached over its socket, per step, against the plain spawn loop (benches/spawn_floor.rs).
# 200 `echo` steps, --auto, on tmpfs; one client attaches as the controller (bench/watchers.py
# with ROLE=control, reading every frame) and the run goes. Paired, 11 turns each (TURNS=N):
#   1. the engine detached, with the engine benchmark's in-memory durable consumer
#      (benches/engine_headless.rs --detached: socket, seat, presence gate, the same engine),
#      from its first step's start to its end, over 200 — against the spawn loop: the engine
#      benchmark's own comparison (bench/engine.sh), now detached;
#   2. the whole thing, journal included: `cutover engine` started as `cutover run` starts it on
#      a terminal (its order on standard input), and the same run headless (the engine in the
#      process that started it), read from their journals (first step's start to the footer).
# Usage: bash bench/detached.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build_engine_benches
cutover=$PWD/target/release/cutover
work=$(mktemp -d -p /dev/shm)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
unset SSH_AUTH_SOCK
write_steps_runbook 200 detached >"$work/200.toml"
digest=$(sha256sum "$work/200.toml" | cut -d' ' -f1)

# The per-step milliseconds of the run in $1 (from step-0's start to the footer).
per_step() { journal_per_step "$1"/detached/*/journal.log; }

# One detached run with its controller: the engine's handshake names the run folder.
detached_run() {
    local dir=$1 order handshake run_dir
    order=$(printf '{"request":{"runbook":"%s","drill":true,"auto":true,"log_dir":"%s"},"typed":[],"digest":"%s"}' \
        "$work/200.toml" "$dir" "$digest")
    handshake=$(mktemp -p "$work")
    printf '%s' "$order" | "$cutover" engine "$work/200.toml" >"$handshake" 2>/dev/null &
    local engine=$!
    while ! grep -q ready "$handshake" 2>/dev/null; do sleep 0.005; done
    run_dir=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ready"]["run_dir"])' "$handshake")
    ROLE=control python3 bench/watchers.py "$run_dir" 1 "$work/arrivals"
    wait "$engine"
}

detached_run "$work/warm"
detached=() floor=() headless=() engine=()
for turn in $(seq "${TURNS:-11}"); do
    "$engine_bin" "$work/200.toml" "$work/engine-$turn" --detached >"$work/engine-ms" 2>/dev/null &
    bench=$!
    while ! ls "$work/engine-$turn"/detached/*/engine.sock >/dev/null 2>&1; do sleep 0.005; done
    ROLE=control python3 bench/watchers.py "$(dirname "$(ls "$work/engine-$turn"/detached/*/engine.sock)")" 1 /dev/null
    wait "$bench"
    engine+=("$(awk '{ printf "%.3f", $1 / 200 }' "$work/engine-ms")")
    detached_run "$work/run-$turn"
    detached+=("$(per_step "$work/run-$turn")")
    "$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$work/headless-$turn" >/dev/null 2>&1
    headless+=("$(per_step "$work/headless-$turn")")
    floor+=("$("$floor_bin" 200 | awk '{ printf "%.3f", $1 / 200 }')")
done
med() { printf '%s\n' "$@" | median; }
d=$(med "${detached[@]}") f=$(med "${floor[@]}") h=$(med "${headless[@]}") e=$(med "${engine[@]}")
echo "per step, 200 echo steps on tmpfs (medians of ${TURNS:-11} alternate turns)"
echo "  the engine detached, one controller (in-memory durable)   ${e} ms   (turns: ${engine[*]})"
echo "  plain spawn loop                                         ${f} ms   (turns: ${floor[*]})"
awk -v e="$e" -v f="$f" 'BEGIN { printf "  the engine detached: %.2fx the spawn loop (target <= 1.3x)\n", e / f }'
echo "  cutover engine with its journal, one controller          ${d} ms   (turns: ${detached[*]})"
echo "  cutover run --headless with its journal                  ${h} ms   (turns: ${headless[*]})"
awk -v d="$d" -v f="$f" -v h="$h" 'BEGIN { printf "  with the journal: detached %.2fx the spawn loop, headless %.2fx; detaching costs %+.1f %%\n", d / f, h / f, (d / h - 1) * 100 }'
