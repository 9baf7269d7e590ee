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
