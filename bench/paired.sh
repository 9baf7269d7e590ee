#!/usr/bin/env bash
# Two builds of cutover against each other, paired (A, B, A, B, …), 21 turns each: 200 steps
# on tmpfs with the spawn loop as the floor, verify of a 10,000-entry journal, check of the
# release runbook. Usage: bash bench/paired.sh BEFORE_BINARY (the after binary is this
# checkout's release build).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
after=./target/release/cutover
before=$(realpath "${1:?usage: bash bench/paired.sh BEFORE_BINARY}")
cargo build --release --quiet
cargo bench --bench spawn_floor --no-run --quiet 2>/dev/null
floor_bin=$(ls -t target/release/deps/spawn_floor-* | grep -v '\.d$' | head -n 1)
work=$(mktemp -d -p /dev/shm)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
unset SSH_AUTH_SOCK
write_steps_runbook 200 >"$work/200.toml"
next_dir() { dir="$work/runs-${EPOCHREALTIME/./}"; }
run_after() { next_dir; "$after" run "$work/200.toml" --headless --drill --auto --log-dir "$dir"; }
run_before() { next_dir; "$before" run "$work/200.toml" --headless --drill --auto --log-dir "$dir"; }
floor_200() { "$floor_bin" 200 >/dev/null; }
run_after >/dev/null 2>&1
read -r b a f < <(paired_medians 21 run_before run_after floor_200)
echo "200 steps on tmpfs: before $b ms, after $a ms, floor $f ms"
awk -v b="$b" -v a="$a" -v f="$f" 'BEGIN { printf "  change %+.1f %%; ratio to the loop: before %.2fx, after %.2fx\n", (a/b-1)*100, b/f, a/f }'
# verify of a 10,000-entry journal
ten_thousand_entries() {
    printf '[runbook]\nname = "tenk"\ntitle = "10k"\n\n[[phase]]\nid = "main"\n\n'
    for n in $(seq 0 4999); do
        printf '[[phase.step]]\nid = "s-%d"\nkind = "command"\nrun = "true"\n\n' "$n"
    done
}
ten_thousand_entries >"$work/tenk.toml"
"$after" run "$work/tenk.toml" --headless --drill --auto --log-dir "$work/tenk" >/dev/null 2>&1
journal=$(ls "$work"/tenk/tenk/*/journal.log)
entries=$(wc -l <"$journal")
v_after() { "$after" verify "$journal"; }
v_before() { "$before" verify "$journal"; }
read -r vb va < <(paired_medians 21 v_before v_after)
echo "verify of $entries entries: before $vb ms, after $va ms"
awk -v b="$vb" -v a="$va" 'BEGIN { printf "  change %+.1f %%\n", (a/b-1)*100 }'
c_after() { "$after" check runbooks/nexus-prod-deploy.toml; }
c_before() { "$before" check runbooks/nexus-prod-deploy.toml; }
read -r cb ca < <(paired_medians 31 c_before c_after)
echo "check of the release runbook: before $cb ms, after $ca ms"
# A terminal run's engine as a process of its own, one controller attached over its socket:
# the path both drivers share. Per step from each journal (first step's start to the footer),
# before and after alternately, 11 turns each.
write_steps_runbook 200 detached >"$work/detached.toml"
digest=$(sha256sum "$work/detached.toml" | cut -d' ' -f1)
detached_with() {
    local binary=$1 dir=$2 order handshake run_dir engine
    order=$(printf '{"request":{"runbook":"%s","drill":true,"auto":true,"log_dir":"%s"},"typed":[],"digest":"%s"}' \
        "$work/detached.toml" "$dir" "$digest")
    handshake=$(mktemp -p "$work")
    printf '%s' "$order" | "$binary" engine "$work/detached.toml" >"$handshake" 2>/dev/null &
    engine=$!
    while ! grep -q ready "$handshake" 2>/dev/null; do sleep 0.005; done
    run_dir=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ready"]["run_dir"])' "$handshake")
    ROLE=control python3 bench/watchers.py "$run_dir" 1 /dev/null
    wait "$engine"
    journal_per_step "$dir"/detached/*/journal.log
}
detached_with "$after" "$work/detached-warm" >/dev/null
db=() da=()
for turn in $(seq 11); do
    db+=("$(detached_with "$before" "$work/detached-b-$turn")")
    da+=("$(detached_with "$after" "$work/detached-a-$turn")")
done
dbm=$(printf '%s\n' "${db[@]}" | median) dam=$(printf '%s\n' "${da[@]}" | median)
echo "detached engine, one controller, per step: before $dbm ms, after $dam ms"
awk -v b="$dbm" -v a="$dam" 'BEGIN { printf "  change %+.1f %%\n", (a/b-1)*100 }'
