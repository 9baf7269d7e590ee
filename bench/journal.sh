#!/usr/bin/env bash
# Benchmarks of the journal, each a ratio against baselines measured in the same run:
#   1. 200 `sh -c 'echo step N'` steps headless with the journal on, against the compiled floor
#      (a Rust loop that spawns the command and appends + fdatasyncs one line per step,
#      benches/spawn_floor.rs --journal), against the durable floor (that, plus what LOG-FORMAT
#      requires of each step's output: a new file written and fsynced, its folder fsynced;
#      --durable), and against a bash script doing the first with `sync FILE` per step.
#   2. `cutover verify` of a 10,000-entry journal against `sha256sum` of the same file.
# Medians of several runs. Usage: bash bench/journal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

cargo build --release --quiet
cargo bench --bench spawn_floor --no-run --quiet 2>/dev/null
floor_bin=$(ls -t target/release/deps/spawn_floor-* | grep -v '\.d$' | head -n 1)
cutover=./target/release/cutover
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"   # the drill key lives here
unset SSH_AUTH_SOCK

write_steps_runbook 200 >"$work/200.toml"
cat >"$work/baseline.sh" <<'SH'
#!/usr/bin/env bash
# The do-it-by-hand baseline: run each command, append a line to a log, sync the log.
log="$1"
for n in $(seq 0 199); do
    out=$(sh -c "echo step $n")
    printf '{"seq":%d,"step":"step-%d","output":"%s"}\n' "$n" "$n" "$out" >>"$log"
    sync "$log"
done
SH
# Every run gets a folder or log of its own, named without forking (`$(…)` inside the timed
# command would, and a counter would not survive: each run is timed in a subshell).
run_200() { "$cutover" run "$work/200.toml" --headless --drill --auto --log-dir "$work/i-${EPOCHREALTIME/./}" 2>/dev/null; }
bash_200() { bash "$work/baseline.sh" "$work/bash-${EPOCHREALTIME/./}.log"; }
run_200 # creates the drill key outside the measurement
floor_200() { "$floor_bin" 200 --journal >/dev/null; }
# What LOG-FORMAT requires of a step: the line synced, a new output file synced, its folder synced.
durable_200() { "$floor_bin" 200 --durable >/dev/null; }
# The three alternate (cutover, floor, bash, cutover, …) so that drift weighs on each alike.
times_c="" times_f="" times_b="" times_d=""
for _ in $(seq 9); do
    times_c+="$(time_ms run_200)"$'\n'
    times_f+="$(time_ms floor_200)"$'\n'
    times_d+="$(time_ms durable_200)"$'\n'
    times_b+="$(time_ms bash_200)"$'\n'
done
cutover_ms=$(printf '%s' "$times_c" | median)
floor_ms=$(printf '%s' "$times_f" | median)
durable_ms=$(printf '%s' "$times_d" | median)
bash_ms=$(printf '%s' "$times_b" | median)
echo "200 steps with the journal: cutover ${cutover_ms} ms, compiled floor ${floor_ms} ms, durable floor ${durable_ms} ms, bash + sync ${bash_ms} ms"
awk -v a="$cutover_ms" -v f="$floor_ms" -v d="$durable_ms" -v b="$bash_ms" 'BEGIN {
    printf "  per step: cutover %.2f ms, one-sync floor %.2f ms (ratio %.2fx), durable floor %.2f ms (ratio %.2fx, target <= 1.15x), bash %.2f ms (ratio %.2fx)\n", a / 200, f / 200, a / f, d / 200, a / d, b / 200, a / b }'

# 2. Verify of a 10,000-entry journal: a run of 4,900 steps (start + result each, with
#    periodic checkpoints) makes just over 10,000 entries.
{
    printf '[runbook]\nname = "ten-thousand"\ntitle = "10,000 entries"\n\n[[phase]]\nid = "main"\n\n'
    for n in $(seq 0 4899); do
        printf '[[phase.step]]\nid = "step-%d"\nkind = "wait"\nduration = "0s"\n\n' "$n"
    done
} >"$work/big.toml"
"$cutover" run "$work/big.toml" --headless --drill --auto --log-dir "$work/big" 2>/dev/null
journal=$(ls "$work"/big/ten-thousand/*/journal.log)
entries=$(wc -l <"$journal")
verify_journal() { "$cutover" verify "$journal"; }
sha_journal() { sha256sum "$journal"; }
read -r verify_ms sha_ms < <(paired_medians 11 verify_journal sha_journal)
echo "verify of $entries entries ($(wc -c <"$journal") bytes): cutover verify ${verify_ms} ms, sha256sum ${sha_ms} ms"
awk -v a="$verify_ms" -v b="$sha_ms" 'BEGIN { printf "  ratio %.2fx\n", a / b }'
